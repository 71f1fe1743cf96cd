package dev.triggerapi.replication;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Struct;

/**
 * Turns a Debezium image of a {@code task_runs} row into a row of the ClickHouse {@code task_runs} table
 * ({@code src/main/resources/clickhouse/task_runs.sql}).
 */
final class ClickHouseRunRows {

    /** The PostgreSQL columns the stream carries; payloads, outputs and errors stay out of the WAL decoding. */
    static final List<String> SOURCE_COLUMNS = List.of("id", "friendly_id", "runtime_environment_id", "task_identifier",
            "status", "queue", "tags", "trigger_source", "idempotency_key", "concurrency_key", "priority_ms", "ttl",
            "delay_until", "queued_at", "attempt_number", "machine", "is_test", "batch_id", "started_at", "completed_at",
            "expired_at", "created_at", "updated_at", "locked_to_worker_id", "worker_group_id", "schedule_id");

    private ClickHouseRunRows() {
    }

    /**
     * @param row     the {@code after} image (or {@code before} for a delete)
     * @param version the change's version: commit LSN, or the snapshot's LSN for snapshot rows
     * @param deleted whether the change is a delete
     */
    static Map<String, Object> toClickHouse(Struct row, long version, boolean deleted) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("environment_id", row.getString("runtime_environment_id"));
        out.put("created_at_us", micros(row.get("created_at")));
        out.put("run_id", row.getString("id"));
        out.put("friendly_id", row.getString("friendly_id"));
        out.put("task_identifier", row.getString("task_identifier"));
        out.put("status", row.getString("status"));
        out.put("trigger_source", row.getString("trigger_source"));
        out.put("queue", row.getString("queue"));
        List<?> tags = row.getArray("tags");
        out.put("tags", tags == null ? List.of() : tags);
        out.put("is_test", Boolean.TRUE.equals(row.getBoolean("is_test")) ? 1 : 0);
        out.put("attempt_count", intOrZero(row.get("attempt_number")));
        int priorityMs = intOrZero(row.get("priority_ms"));
        // The head start as stored; the first schema's whole-second column stays filled (truncated) for its readers.
        out.put("priority", priorityMs / 1000);
        out.put("priority_ms", priorityMs);
        out.put("idempotency_key", row.getString("idempotency_key"));
        out.put("concurrency_key", row.getString("concurrency_key"));
        out.put("ttl", row.getString("ttl"));
        out.put("batch_id", row.getString("batch_id"));
        out.put("machine", row.getString("machine"));
        out.put("locked_to_worker_id", row.getString("locked_to_worker_id"));
        out.put("worker_group_id", row.getString("worker_group_id"));
        out.put("schedule_id", row.getString("schedule_id"));
        out.put("delay_until_us", micros(row.get("delay_until")));
        out.put("queued_at_us", micros(row.get("queued_at")));
        out.put("started_at_us", micros(row.get("started_at")));
        out.put("completed_at_us", micros(row.get("completed_at")));
        out.put("expired_at_us", micros(row.get("expired_at")));
        out.put("updated_at_us", micros(row.get("updated_at")));
        out.put("_version", version);
        out.put("_is_deleted", deleted ? 1 : 0);
        return out;
    }

    /**
     * {@code timestamptz} arrives as epoch microseconds ({@link TimestampMicrosConverter}); Debezium's own ISO-8601
     * string (its ZonedTimestamp type) is still understood, should the converter not be registered.
     */
    static Long micros(Object timestamp) {
        if (timestamp == null) {
            return null;
        }
        if (timestamp instanceof Long micros) {
            return micros;
        }
        return TimestampMicrosConverter.micros(timestamp);
    }

    private static int intOrZero(Object value) {
        return value == null ? 0 : ((Number) value).intValue();
    }
}
