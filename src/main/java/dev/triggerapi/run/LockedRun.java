package dev.triggerapi.run;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * A run row as the engine reads it under its row lock ({@code FOR UPDATE}) before changing it.
 */
record LockedRun(String id, String friendlyId, String environmentId, String taskIdentifier, RunStatus status,
                 String queue, int attemptNumber, Integer maxAttempts, String latestSnapshotId, Long ttlSeconds,
                 String ttl, String payload, String payloadType, int priorityMs, boolean test, Instant createdAt,
                 String concurrencyKey, String machine, Integer maxDurationSeconds, String lockedToWorkerId,
                 Instant leaseExpiresAt, String idempotencyKeyUser, String idempotencyKeyScope) {

    /** The columns {@link #map} reads, for {@code SELECT ... FROM task_runs}. */
    static final String COLUMNS = """
            id, friendly_id, runtime_environment_id, task_identifier, status, queue, attempt_number, max_attempts,
            latest_snapshot_id, ttl_seconds, ttl, payload, payload_type, priority_ms, is_test, created_at, concurrency_key,
            machine, max_duration_seconds, locked_to_worker_id, lease_expires_at, idempotency_key_user,
            idempotency_key_scope""";

    static LockedRun map(ResultSet rs, int n) throws SQLException {
        return new LockedRun(rs.getString("id"), rs.getString("friendly_id"), rs.getString("runtime_environment_id"),
                rs.getString("task_identifier"), RunStatus.valueOf(rs.getString("status")), rs.getString("queue"),
                rs.getInt("attempt_number"), (Integer) rs.getObject("max_attempts"), rs.getString("latest_snapshot_id"),
                (Long) rs.getObject("ttl_seconds"), rs.getString("ttl"), rs.getString("payload"),
                rs.getString("payload_type"), rs.getInt("priority_ms"), rs.getBoolean("is_test"),
                instant(rs.getTimestamp("created_at")), rs.getString("concurrency_key"), rs.getString("machine"),
                (Integer) rs.getObject("max_duration_seconds"), rs.getString("locked_to_worker_id"),
                instant(rs.getTimestamp("lease_expires_at")), rs.getString("idempotency_key_user"),
                rs.getString("idempotency_key_scope"));
    }

    /** The attempts this run may make. */
    int attemptsAllowed(int defaultMaxAttempts) {
        return maxAttempts == null ? defaultMaxAttempts : maxAttempts;
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
