#!/usr/bin/env python3
"""CPU profile of the runs replication from a JFR recording of RunsReplicationBench (issue 13).

Usage: jfr print --stack-depth 96 --events jdk.ExecutionSample bench.jfr | python3 jfr-replication-profile.py [FROM TO]

FROM and TO (UTC, HH:MM:SS, as the bench prints each phase) keep only the samples taken in between.

Prints the share of CPU samples per thread group, then for Debezium's decoding thread and for the handler's threads
the inclusive share of each stage (a sample counts for a stage when the stage's frame is anywhere on its stack), and
the hottest frames, so before/after profiles can be compared stage by stage.
"""
import re
import sys
from collections import Counter, defaultdict

GROUPS = [
    ("Debezium decoding thread (pgoutput → change events)", re.compile(r"change-event-source-coordinator")),
    ("Debezium engine thread (poll, ClickHouseBatchSink convert/acknowledge)", re.compile(r"^pool-\d+-thread|debezium-.*engine|runs-replication-task")),
    ("ClickHouse insert threads", re.compile(r"^runs-replication-insert")),
    ("bench writer threads", re.compile(r"^bench-writer")),
]

DECODING_STAGES = [
    ("Debezium per-event JMX summary (CommonEventMeter.onEvent → toSummaryString)", "io.debezium.pipeline.meters.CommonEventMeter.onEvent"),
    ("  of which a new ObjectMapper per event (SchemaUtil$RecordWriter.<init>)", "io.debezium.data.SchemaUtil$RecordWriter.<init>"),
    ("timestamptz text → OffsetDateTime (Debezium's parser)", "asOffsetDateTimeAtUtc"),
    ("old row image of an update (getOldColumnValues)", "getOldColumnValues"),
    ("transaction metadata (TransactionMonitor)", "io.debezium.pipeline.txmetadata.TransactionMonitor"),
    ("Struct.put validation", "org.apache.kafka.connect.data.Struct.put"),
    ("our converter (TimestampMicrosConverter)", "dev.triggerapi.replication.TimestampMicrosConverter"),
    ("reading the replication socket (PGReplicationStream)", "org.postgresql.replication"),
    ("pgoutput message decoding (PgOutputMessageDecoder)", "PgOutputMessageDecoder"),
    ("change event dispatch (EventDispatcher.dispatchDataChangeEvent)", "io.debezium.pipeline.EventDispatcher.dispatchDataChangeEvent"),
    ("queue (ChangeEventQueue.doEnqueue)", "io.debezium.connector.base.ChangeEventQueue"),
]

HANDLER_STAGES = [
    ("ClickHouseBatchSink.handleBatch (convert, buffer, acknowledge)", "dev.triggerapi.replication.ClickHouseBatchSink.handleBatch"),
    ("  ClickHouseRunRows.toClickHouse", "dev.triggerapi.replication.ClickHouseRunRows.toClickHouse"),
    ("  acknowledge (markProcessed / offsets to the writer)", "dev.triggerapi.replication.ClickHouseBatchSink.acknowledge"),
    ("ClickHouse insert (ClickHouseClient.insert)", "dev.triggerapi.clickhouse.ClickHouseClient.insert"),
    ("Micrometer (any io.micrometer frame)", "io.micrometer."),
]


def samples(lines):
    thread, stack, in_stack, at = None, [], False, ""
    for line in lines:
        s = line.strip()
        if s.startswith("jdk.ExecutionSample"):
            thread, stack, in_stack = None, [], False
        elif s.startswith("startTime"):
            at = s.split("=", 1)[1].strip()[:8]
        elif s.startswith("sampledThread"):
            m = re.search(r'"(.*)"', s)
            thread = m.group(1) if m else s
        elif s.startswith("stackTrace = ["):
            in_stack = True
        elif in_stack and s == "]":
            in_stack = False
        elif in_stack and s and s != "...":
            stack.append(re.sub(r"\s+line:.*$", "", s))
        elif s == "}" and thread is not None:
            yield thread, stack, at
            thread = None


def group_of(thread):
    for name, pattern in GROUPS:
        if pattern.search(thread):
            return name
    return "other threads"


def main():
    per_group = Counter()
    stacks = defaultdict(list)
    total = 0
    window = sys.argv[1:3]
    for thread, stack, at in samples(sys.stdin):
        if window and not (window[0] <= at <= window[1]):
            continue
        total += 1
        g = group_of(thread)
        per_group[g] += 1
        stacks[g].append(stack)
    if not total:
        print("no samples")
        return
    print(f"CPU samples: {total:,}")
    print("| thread group | samples | share |")
    print("|---|---:|---:|")
    for g, n in per_group.most_common():
        print(f"| {g} | {n:,} | {100.0 * n / total:.1f} % |")

    def stage_table(title, group_names, stages):
        group_stacks = [st for g in group_names for st in stacks.get(g, [])]
        n = len(group_stacks)
        print()
        print(f"{title}: {n:,} samples ({100.0 * n / total:.1f} % of all)")
        if not n:
            return
        print("| stage (inclusive) | share of these samples |")
        print("|---|---:|")
        for label, needle in stages:
            hit = sum(1 for st in group_stacks if any(needle in f for f in st))
            print(f"| {label} | {100.0 * hit / n:.1f} % |")
        frames = Counter()
        for st in group_stacks:
            for f in set(st):
                frames[f] += 1
        print("hottest frames (inclusive):")
        shown = 0
        for f, c in frames.most_common():
            if re.match(r"java\.lang\.Thread\.run|java\.util\.concurrent\.(ThreadPoolExecutor|FutureTask|Executors)", f):
                continue
            print(f"  {100.0 * c / n:5.1f} %  {f}")
            shown += 1
            if shown >= 25:
                break

    stage_table("Debezium decoding thread", [GROUPS[0][0]], DECODING_STAGES)
    stage_table("Handler threads (engine + insert)", [GROUPS[1][0], GROUPS[2][0]], HANDLER_STAGES)


if __name__ == "__main__":
    main()
