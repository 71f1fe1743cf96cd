package dev.triggerapi.runlist;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.clickhouse.ClickHouseSql;
import tools.jackson.databind.JsonNode;

/**
 * The runs list from ClickHouse.
 *
 * <p>The inner query deduplicates with {@code FINAL} and filters only on the sorting key (environment,
 * created_at, id), which never changes for a run, so it cannot pick an outdated version. Every other filter
 * (status, deleted, the worker group that ran it, ...) is on the deduplicated rows outside, since those columns
 * can change; predicate push-down into the {@code FINAL} subquery is switched off for the same reason.
 */
final class ClickHouseRunListStore implements RunListStore {

    private static final Map<String, String> SETTINGS = Map.of("enable_optimize_predicate_expression", "0");

    private final ClickHouseClient clickHouse;

    ClickHouseRunListStore(ClickHouseClient clickHouse) {
        this.clickHouse = clickHouse;
    }

    @Override
    public String name() {
        return "clickhouse";
    }

    @Override
    public List<RunListRow> find(RunListQuery q, boolean newestFirst, RunListCursor cursor, int limit) {
        List<String> inner = new ArrayList<>();
        inner.add("environment_id = " + ClickHouseSql.literal(q.environmentId()));
        if (q.createdFrom() != null) {
            inner.add("created_at_us >= " + micros(q.createdFrom()));
        }
        if (q.createdBefore() != null) {
            inner.add("created_at_us < " + micros(q.createdBefore()));
        }
        if (cursor != null) {
            inner.add("(created_at_us, run_id) " + (newestFirst ? "<" : ">") + " (" + cursor.createdAtMicros() + ", "
                    + ClickHouseSql.literal(cursor.runId()) + ")");
        }
        List<String> outer = new ArrayList<>();
        outer.add("_is_deleted = 0");
        if (!q.statuses().isEmpty()) {
            outer.add("status IN " + ClickHouseSql.tuple(q.statuses()));
        }
        if (!q.taskIdentifiers().isEmpty()) {
            outer.add("task_identifier IN " + ClickHouseSql.tuple(q.taskIdentifiers()));
        }
        if (!q.sources().isEmpty()) {
            outer.add("trigger_source IN " + ClickHouseSql.tuple(q.sources()));
        }
        if (!q.tags().isEmpty()) {
            outer.add("hasAny(tags, " + ClickHouseSql.array(q.tags()) + ")");
        }
        if (q.isTest() != null) {
            outer.add("is_test = " + (q.isTest() ? 1 : 0));
        }
        in(outer, "locked_to_worker_id", q.lockedToWorkerIds());
        in(outer, "batch_id", q.batchIds());
        in(outer, "schedule_id", q.scheduleIds());
        in(outer, "queue", q.queues());
        in(outer, "machine", q.machines());
        in(outer, "worker_group_id", q.workerGroupIds());
        String direction = newestFirst ? "DESC" : "ASC";
        String sql = """
                SELECT run_id, friendly_id, task_identifier, status, tags, is_test, idempotency_key, ttl, created_at_us,
                       updated_at_us, started_at_us, completed_at_us, delay_until_us, expired_at_us
                FROM (SELECT * FROM task_runs FINAL WHERE %s)
                WHERE %s
                ORDER BY created_at_us %s, run_id %s
                LIMIT %d""".formatted(String.join(" AND ", inner), String.join(" AND ", outer), direction, direction, limit);
        List<RunListRow> rows = new ArrayList<>();
        for (JsonNode r : clickHouse.select(sql, SETTINGS)) {
            List<String> tags = new ArrayList<>();
            r.get("tags").forEach(t -> tags.add(t.asString()));
            rows.add(new RunListRow(r.get("run_id").asString(), r.get("friendly_id").asString(),
                    r.get("task_identifier").asString(), r.get("status").asString(), List.copyOf(tags),
                    r.get("is_test").asInt() == 1, text(r, "idempotency_key"), text(r, "ttl"),
                    r.get("created_at_us").asLong(), r.get("updated_at_us").asLong(), number(r, "started_at_us"),
                    number(r, "completed_at_us"), number(r, "delay_until_us"), number(r, "expired_at_us")));
        }
        return rows;
    }

    /** {@code column IN (...)} when {@code values} is a filter (not null, not empty); NULL never matches. */
    private static void in(List<String> conditions, String column, Collection<String> values) {
        if (values != null && !values.isEmpty()) {
            conditions.add(column + " IN " + ClickHouseSql.tuple(values));
        }
    }

    private static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    private static String text(JsonNode row, String field) {
        JsonNode v = row.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    private static Long number(JsonNode row, String field) {
        JsonNode v = row.get(field);
        return v == null || v.isNull() ? null : v.asLong();
    }
}
