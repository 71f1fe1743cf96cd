package dev.triggerapi.run;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import dev.triggerapi.ids.Ids;
import dev.triggerapi.snapshot.ExecutionStatus;
import dev.triggerapi.snapshot.SnapshotAppender;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Creates runs on the writer, each together with its first execution snapshot in one transaction.
 *
 * <p>Idempotency is enforced by the unique index on (environment, task, idempotency key): the insert uses
 * {@code ON CONFLICT DO NOTHING}, so of two concurrent triggers with one key exactly one inserts and the
 * other (blocked on the index until the winner commits) reads the winner. A key whose run failed, was
 * cancelled or expired, or whose TTL passed, is released (set to NULL on the old run) and a new run is made.
 */
@Service
public class RunCreator {

    private static final int MAX_RELEASE_ROUNDS = 3;

    private final JdbcClient jdbc;
    private final SnapshotAppender snapshots;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    public RunCreator(JdbcClient jdbc, SnapshotAppender snapshots, Clock clock, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.snapshots = snapshots;
        this.clock = clock;
        this.events = events;
    }

    /** Creates the run, or returns the live run holding its idempotency key ({@code cached = true}). */
    @Transactional
    public CreatedRun create(NewRun run) {
        return createInCurrentTransaction(run);
    }

    /** Same as {@link #create} inside the caller's writer transaction (batch triggers create many at once). */
    @Transactional(propagation = Propagation.MANDATORY)
    public CreatedRun createInCurrentTransaction(NewRun run) {
        Instant now = clock.instant();
        for (int round = 0; round < MAX_RELEASE_ROUNDS; round++) {
            Optional<CreatedRun> inserted = insert(run, now);
            if (inserted.isPresent()) {
                return inserted.get();
            }
            // Conflict on the idempotency key: the winner has committed (the index waited for it).
            Optional<Existing> existing = lockExisting(run);
            if (existing.isEmpty()) {
                continue; // released between our insert and our read: try again
            }
            Existing holder = existing.get();
            boolean keyExpired = holder.keyExpiresAt != null && !holder.keyExpiresAt.isAfter(now);
            if (!keyExpired && !RunStatus.RELEASES_IDEMPOTENCY_KEY.contains(holder.status)) {
                return new CreatedRun(holder.id, holder.friendlyId, holder.status, holder.snapshotId, holder.updatedAt, true);
            }
            jdbc.sql("UPDATE task_runs SET idempotency_key = NULL WHERE id = ?").param(holder.id).update();
        }
        throw new IllegalStateException("Idempotency key kept conflicting after " + MAX_RELEASE_ROUNDS + " releases");
    }

    private Optional<CreatedRun> insert(NewRun run, Instant now) {
        String id = Ids.newId();
        String friendlyId = "run_" + id;
        String snapshotId = Ids.newId();
        boolean delayed = run.delayUntil() != null && run.delayUntil().isAfter(now);
        RunStatus status = delayed ? RunStatus.DELAYED : RunStatus.QUEUED;
        Instant expiresAt = !delayed && run.ttlSeconds() != null ? now.plusSeconds(run.ttlSeconds()) : null;
        Optional<Instant> updatedAt = jdbc.sql("""
                        INSERT INTO task_runs (id, friendly_id, runtime_environment_id, task_identifier, status, queue,
                            locked_queue_id, locked_to_worker_id, payload, payload_type, metadata, metadata_type, tags, ttl,
                            ttl_seconds, expires_at, trigger_source, idempotency_key, idempotency_key_expires_at, concurrency_key,
                            priority, delay_until, queued_at, max_attempts, max_duration_seconds, machine, is_test, batch_id,
                            batch_index, latest_snapshot_id, snapshot_sequence)
                        VALUES (:id, :friendlyId, :env, :task, :status, :queue, :lockedQueueId, :lockedWorkerId, :payload,
                            :payloadType, :metadata, :metadataType, :tags, :ttl, :ttlSeconds, :expiresAt, :triggerSource, :idempotencyKey,
                            :idempotencyKeyExpiresAt, :concurrencyKey, :priority, :delayUntil, :queuedAt, :maxAttempts,
                            :maxDuration, :machine, :test, :batchId, :batchIndex, :snapshotId, 1)
                        ON CONFLICT (runtime_environment_id, task_identifier, idempotency_key)
                            WHERE idempotency_key IS NOT NULL DO NOTHING
                        RETURNING updated_at""")
                .param("id", id).param("friendlyId", friendlyId).param("env", run.environmentId())
                .param("task", run.taskIdentifier()).param("status", status.name()).param("queue", run.queue())
                .param("lockedQueueId", run.lockedQueueId()).param("lockedWorkerId", run.lockedToWorkerId())
                .param("payload", run.payload()).param("payloadType", run.payloadType())
                .param("metadata", run.metadata()).param("metadataType", run.metadataType())
                .param("tags", run.tags() == null ? new String[0] : run.tags().toArray(String[]::new))
                .param("ttl", run.ttl()).param("ttlSeconds", run.ttlSeconds()).param("expiresAt", timestamp(expiresAt))
                .param("triggerSource", run.triggerSource() == null ? "STANDARD" : run.triggerSource())
                .param("idempotencyKey", run.idempotencyKey())
                .param("idempotencyKeyExpiresAt", timestamp(run.idempotencyKeyExpiresAt()))
                .param("concurrencyKey", run.concurrencyKey()).param("priority", run.priority())
                .param("delayUntil", timestamp(run.delayUntil())).param("queuedAt", delayed ? null : timestamp(now))
                .param("maxAttempts", run.maxAttempts()).param("maxDuration", run.maxDurationSeconds())
                .param("machine", run.machine()).param("test", run.test()).param("batchId", run.batchId())
                .param("batchIndex", run.batchIndex()).param("snapshotId", snapshotId)
                .query((rs, n) -> rs.getTimestamp(1).toInstant())
                .optional();
        if (updatedAt.isEmpty()) {
            return Optional.empty();
        }
        snapshots.recordFirst(snapshotId, id, run.environmentId(),
                delayed ? ExecutionStatus.DELAYED : ExecutionStatus.QUEUED, status.name(),
                delayed ? "Run was created, delayed until " + run.delayUntil() : "Run was created and queued");
        events.publishEvent(new RunChangedEvent(id, friendlyId, run.environmentId(), updatedAt.get()));
        return Optional.of(new CreatedRun(id, friendlyId, status, snapshotId, updatedAt.get(), false));
    }

    private Optional<Existing> lockExisting(NewRun run) {
        return jdbc.sql("""
                        SELECT id, friendly_id, status, latest_snapshot_id, updated_at, idempotency_key_expires_at
                        FROM task_runs
                        WHERE runtime_environment_id = ? AND task_identifier = ? AND idempotency_key = ?
                        FOR UPDATE""")
                .params(run.environmentId(), run.taskIdentifier(), run.idempotencyKey())
                .query(RunCreator::existing).optional();
    }

    private static Existing existing(ResultSet rs, int n) throws SQLException {
        Timestamp keyExpires = rs.getTimestamp("idempotency_key_expires_at");
        return new Existing(rs.getString("id"), rs.getString("friendly_id"), RunStatus.valueOf(rs.getString("status")),
                rs.getString("latest_snapshot_id"), rs.getTimestamp("updated_at").toInstant(),
                keyExpires == null ? null : keyExpires.toInstant());
    }

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private record Existing(String id, String friendlyId, RunStatus status, String snapshotId, Instant updatedAt,
                            Instant keyExpiresAt) {
    }
}
