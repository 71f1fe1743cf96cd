package dev.triggerapi.replication;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Receives Debezium's batches (cut at about {@code flushBatchSize} row changes or {@code flushInterval}, see
 * {@link DebeziumRunStream}), writes them to ClickHouse and only then marks the records processed, so an offset
 * never gets ahead of what ClickHouse has.
 *
 * <p><b>Versions.</b> ClickHouse keeps the row with the highest {@code _version}; it must be the commit LSN,
 * the order in which PostgreSQL made changes visible. A change event carries only its own LSN, which can be
 * older than the initial snapshot's position for a transaction that began before the snapshot and committed
 * after it, so the rows of a transaction are held until its END event (transaction metadata is on) and then
 * all get the END's LSN, the commit position. Snapshot rows get the snapshot's LSN. Within one flush, the last
 * change of each run wins, so several updates of a run in one transaction never tie.
 *
 * <p>Records of a transaction whose END has not arrived yet are carried over to the next batch unacknowledged.
 */
final class RunChangeHandler implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    /** Progress reported after each acknowledged batch (for health). */
    interface Progress {
        void flushed(Long commitLsn, Long lagMillis);
    }

    private final ClickHouseRunWriter writer;
    private final BooleanSupplier leader;
    private final StopSignal stop;
    private final Clock clock;
    private final ReplicationMetrics metrics;
    private final Progress progress;

    /** Records not yet acknowledged, in stream order (a carried-over open transaction). */
    private final List<RecordChangeEvent<SourceRecord>> unacknowledged = new ArrayList<>();
    private final List<Change> openTransaction = new ArrayList<>();
    private boolean inTransaction;

    RunChangeHandler(ClickHouseRunWriter writer, BooleanSupplier leader, StopSignal stop, Clock clock,
                     ReplicationMetrics metrics, Progress progress) {
        this.writer = writer;
        this.leader = leader;
        this.stop = stop;
        this.clock = clock;
        this.metrics = metrics;
        this.progress = progress;
    }

    private record Change(String runId, Map<String, Object> row, long commitMillis) {
        Change withVersion(long version) {
            Map<String, Object> copy = new LinkedHashMap<>(row);
            copy.put("_version", version);
            return new Change(runId, copy, commitMillis);
        }

        long version() {
            return ((Number) row.get("_version")).longValue();
        }
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        List<Change> ready = new ArrayList<>();
        int safe = 0;
        Long commitLsn = null;
        for (RecordChangeEvent<SourceRecord> event : records) {
            unacknowledged.add(event);
            SourceRecord record = event.record();
            if (!(record.value() instanceof Struct value)) {
                safe = inTransaction ? safe : unacknowledged.size();
                continue;
            }
            if (value.schema().field("op") == null) {
                if (value.schema().field("status") != null) {
                    String status = value.getString("status");
                    if ("BEGIN".equals(status)) {
                        inTransaction = true;
                        openTransaction.clear();
                    } else if ("END".equals(status)) {
                        long lsn = lsn(record.sourceOffset());
                        openTransaction.forEach(change -> ready.add(change.withVersion(lsn)));
                        openTransaction.clear();
                        inTransaction = false;
                        commitLsn = lsn;
                    }
                }
                safe = inTransaction ? safe : unacknowledged.size();
                continue;
            }
            String op = value.getString("op");
            Struct source = value.getStruct("source");
            boolean delete = "d".equals(op);
            Struct image = delete ? value.getStruct("before") : value.getStruct("after");
            if (image == null) {
                safe = inTransaction ? safe : unacknowledged.size();
                continue;
            }
            long ownLsn = source.getInt64("lsn") == null ? 0 : source.getInt64("lsn");
            Long tsMs = source.getInt64("ts_ms");
            Change change = new Change(image.getString("id"), RunChangeRows.toClickHouse(image, ownLsn, delete),
                    "r".equals(op) || tsMs == null ? -1 : tsMs);
            if ("r".equals(op) || !inTransaction) {
                // A snapshot row (version: the snapshot's LSN), or a change without transaction metadata.
                ready.add(change);
                safe = inTransaction ? safe : unacknowledged.size();
            } else {
                openTransaction.add(change);
            }
        }

        Long lag = null;
        if (!ready.isEmpty()) {
            writer.write(collapse(ready), leader, stop);
            long now = clock.millis();
            for (Change change : ready) {
                if (change.commitMillis() >= 0) {
                    lag = now - change.commitMillis();
                    metrics.lag(lag);
                }
            }
        }
        for (int i = 0; i < safe; i++) {
            committer.markProcessed(unacknowledged.get(i));
        }
        unacknowledged.subList(0, safe).clear();
        committer.markBatchFinished();
        progress.flushed(commitLsn, lag);
    }

    /** One row per run: the highest version, and of equal versions the later change. */
    private static List<Map<String, Object>> collapse(List<Change> changes) {
        Map<String, Change> latest = new LinkedHashMap<>();
        for (Change change : changes) {
            Change previous = latest.get(change.runId());
            if (previous == null || change.version() >= previous.version()) {
                latest.put(change.runId(), change);
            }
        }
        return latest.values().stream().map(Change::row).toList();
    }

    private static long lsn(Map<String, ?> sourceOffset) {
        Object lsn = sourceOffset.get("lsn");
        if (!(lsn instanceof Number n)) {
            throw new IllegalStateException("Transaction END without an LSN in its offset: " + sourceOffset);
        }
        return n.longValue();
    }
}
