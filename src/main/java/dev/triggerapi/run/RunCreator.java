package dev.triggerapi.run;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import dev.triggerapi.ids.Ids;
import dev.triggerapi.snapshot.ExecutionStatus;
import dev.triggerapi.snapshot.SnapshotAppender;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import dev.triggerapi.datasource.JdbcTransactions;

/**
 * Creates runs on the writer, each together with its first execution snapshot in one statement of one transaction.
 *
 * <p>Idempotency is enforced by the unique index on (environment, task, idempotency key): the insert uses
 * {@code ON CONFLICT DO NOTHING}, so of two concurrent triggers with one key exactly one inserts and the
 * other (blocked on the index until the winner commits) reads the winner. A key whose run failed or expired, or
 * whose TTL passed, is released (set to NULL on the old run) and a new run is made; a cancelled run keeps its key
 * (the reference's policy: cancelling is a decision about that work, not a request to redo it), until the key's TTL
 * passes or it is reset explicitly ({@link IdempotencyKeyRelease}).
 *
 * <p>Debounced triggers ({@link #createDebounced}) push a pending run back instead of creating another one.
 */
@Service
public class RunCreator {

    private static final int MAX_RELEASE_ROUNDS = 3;

    /**
     * The run and its first snapshot in one statement, one round trip (the trigger's hot path): the snapshot step
     * reads the run step's RETURNING row, so when ON CONFLICT skipped the run (its idempotency key is held) no
     * snapshot is written and no row comes back. The run is written with {@code snapshot_sequence = 1} and
     * {@code latest_snapshot_id} already set, which saves the UPDATE that {@link SnapshotAppender#append} makes.
     */
    private static final String INSERT_RUN_WITH_FIRST_SNAPSHOT = """
            WITH run AS (
                INSERT INTO task_runs (id, friendly_id, runtime_environment_id, task_identifier, status, queue,
                    locked_queue_id, locked_to_worker_id, payload, payload_type, metadata, metadata_type, tags, ttl,
                    ttl_seconds, expires_at, trigger_source, idempotency_key, idempotency_key_expires_at, concurrency_key,
                    priority_ms, delay_until, queued_at, max_attempts, max_duration_seconds, machine, is_test, batch_id,
                    batch_index, latest_snapshot_id, snapshot_sequence, queue_order_at, debounce_key, debounce_max_until,
                    idempotency_key_user, idempotency_key_scope)
                VALUES (?, ?, ?, ?, ?, ?,
                    ?, ?, ?, ?, ?, ?, ?, ?,
                    ?, ?, ?, ?, ?, ?,
                    ?, ?, ?, ?, ?, ?, ?, ?,
                    ?, ?, 1, ?, ?, ?,
                    ?, ?)
                ON CONFLICT (runtime_environment_id, task_identifier, idempotency_key)
                    WHERE idempotency_key IS NOT NULL DO NOTHING
                RETURNING id, runtime_environment_id, latest_snapshot_id, updated_at),
            first_snapshot AS (""" + SnapshotAppender.FIRST_SNAPSHOT_OF_RUN + """
            )
            SELECT updated_at FROM run""";

    // SQL is the point: INSERT ... ON CONFLICT on the idempotency key; debounce's guarded UPDATE.
    private final JdbcClient jdbc;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final RunStateWriter writer;
    private final JdbcTransactions transactions;

    RunCreator(JdbcClient jdbc, Clock clock, ApplicationEventPublisher events,
               RunStateWriter writer, JdbcTransactions transactions) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.events = events;
        this.writer = writer;
        this.transactions = transactions;
    }

    /**
     * Creates the run, or returns the live run holding its idempotency key ({@code cached = true}), in a JDBC-only
     * writer transaction ({@link JdbcTransactions}: no Hibernate session on the trigger path).
     */
    public CreatedRun create(NewRun run) {
        return transactions.inWriterTransaction(() -> createInCurrentTransaction(run));
    }

    /** Same as {@link #create} inside the caller's writer transaction (batch triggers create many at once). */
    public CreatedRun createInCurrentTransaction(NewRun run) {
        JdbcTransactions.requireActive();
        return createIdempotently(run, clock.instant(), null);
    }

    /**
     * A debounced trigger: while a run of the task with the same debounce key is still DELAYED, this trigger
     * pushes it to {@code now + delay} (and in trailing mode gives it this trigger's payload, metadata, tags, max
     * attempts, max duration and machine) and returns it ({@code cached = true}); otherwise it creates a run
     * delayed by {@code delay}. A push that would move the run past its first trigger + {@code maxDelay} is not
     * made: that run keeps its time and stops being the key's pending run, and a new one is created.
     *
     * <p>Triggers with one key are serialized by a transaction-scoped advisory lock on the key, taken before the
     * lookup, so two first triggers cannot both create a run; the unique index {@code task_runs_debounce} guards
     * the same invariant in the schema. The sweeper queuing the pending run takes its row lock, so a push either
     * happens before (and the run waits again) or finds no pending run and creates a new one.
     */
    public CreatedRun createDebounced(NewRun run, Debounce debounce) {
        return transactions.inWriterTransaction(() -> debounced(run, debounce));
    }

    private CreatedRun debounced(NewRun run, Debounce debounce) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('trigger-api:debounce:' || ? || chr(31) || ? || chr(31) || ?, 0))")
                .params(run.placement().environmentId(), run.placement().taskIdentifier(), debounce.key()).query().listOfRows();
        Instant until = now.plus(debounce.delay());
        Optional<PendingDebounce> pending = jdbc.sql("SELECT " + LockedRun.COLUMNS + """
                        , debounce_max_until FROM task_runs
                        WHERE runtime_environment_id = ? AND task_identifier = ? AND debounce_key = ? AND status = 'DELAYED'
                        FOR UPDATE""")
                .params(run.placement().environmentId(), run.placement().taskIdentifier(), debounce.key())
                .query((rs, n) -> new PendingDebounce(LockedRun.map(rs, n), instant(rs.getTimestamp("debounce_max_until"))))
                .optional();
        if (pending.isPresent()) {
            PendingDebounce held = pending.get();
            if (held.maxUntil() == null || !until.isAfter(held.maxUntil())) {
                return push(held.run(), run, debounce, until);
            }
            jdbc.sql("UPDATE task_runs SET debounce_key = NULL WHERE id = ?").param(held.run().id()).update();
        }
        Instant maxUntil = debounce.maxDelay() == null ? null : now.plus(debounce.maxDelay());
        return createIdempotently(run.withDelayUntil(until), now, new DebounceColumns(debounce.key(), maxUntil));
    }

    private CreatedRun push(LockedRun pending, NewRun trigger, Debounce debounce, Instant until) {
        Transition push = Transition.of(pending, RunStatus.DELAYED, ExecutionStatus.DELAYED,
                        "Debounced trigger; delayed until " + until)
                .set("delay_until", until)
                .set("queue_order_at", queueOrder(until, pending.priorityMs()));
        if (debounce.trailing()) {
            NewRun.Payload payload = trigger.payload();
            push.set("payload", payload.data())
                    .set("payload_type", payload.type())
                    .set("metadata", payload.metadata())
                    .set("metadata_type", payload.metadataType())
                    .set("tags", tags(payload))
                    .set("max_attempts", trigger.timing().maxAttempts())
                    .set("max_duration_seconds", trigger.timing().maxDurationSeconds())
                    .set("machine", trigger.placement().machine());
        }
        RunStateWriter.Applied applied = writer.apply(pending, push);
        return new CreatedRun(pending.id(), pending.friendlyId(), RunStatus.DELAYED, applied.snapshot().id(),
                applied.updatedAt(), true);
    }

    /**
     * Where a run due at {@code due} with a head start of {@code priorityMs} sorts in the dequeue order. Both are
     * bounded (dates within 100 years, the head start within a 32-bit millisecond count), so this cannot overflow.
     */
    static Instant queueOrder(Instant due, int priorityMs) {
        return due.minusMillis(priorityMs);
    }

    private CreatedRun createIdempotently(NewRun run, Instant now, DebounceColumns debounce) {
        for (int round = 0; round < MAX_RELEASE_ROUNDS; round++) {
            Optional<CreatedRun> inserted = insert(run, now, debounce);
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

    private Optional<CreatedRun> insert(NewRun run, Instant now, DebounceColumns debounce) {
        String id = Ids.newId();
        String friendlyId = "run_" + id;
        String snapshotId = Ids.newId();
        NewRun.Placement at = run.placement();
        NewRun.Payload payload = run.payload();
        NewRun.Idempotency key = run.idempotency();
        NewRun.Timing timing = run.timing();
        NewRun.Origin origin = run.origin();
        boolean delayed = timing.delayUntil() != null && timing.delayUntil().isAfter(now);
        RunStatus status = delayed ? RunStatus.DELAYED : RunStatus.QUEUED;
        Instant expiresAt = !delayed && timing.ttlSeconds() != null ? now.plusSeconds(timing.ttlSeconds()) : null;
        ExecutionStatus firstStatus = delayed ? ExecutionStatus.DELAYED : ExecutionStatus.QUEUED;
        String description = delayed ? "Run was created, delayed until " + timing.delayUntil() : "Run was created and queued";
        // Positional parameters, line by line as the VALUES list (substituting 36 named ones was 1.8 % of a
        // trigger's request-thread CPU, BENCHMARKS.md issue 22); the first snapshot's three follow the run's.
        Optional<OffsetDateTime> updatedAt = jdbc.sql(INSERT_RUN_WITH_FIRST_SNAPSHOT)
                .params(id, friendlyId, at.environmentId(), at.taskIdentifier(), status.name(), at.queue(),
                        at.lockedQueueId(), at.lockedToWorkerId(), payload.data(), payload.type(), payload.metadata(),
                            payload.metadataType(), tags(payload), timing.ttl(),
                        timing.ttlSeconds(), utc(expiresAt), origin.triggerSource().name(), key.key(),
                            utc(key.expiresAt()), at.concurrencyKey(),
                        at.priorityMs(), utc(timing.delayUntil()), delayed ? null : utc(now), timing.maxAttempts(),
                            timing.maxDurationSeconds(), at.machine(), origin.test(), origin.batchId(),
                        origin.batchIndex(), snapshotId, /* snapshot_sequence 1, */
                            utc(queueOrder(delayed ? timing.delayUntil() : now, at.priorityMs())),
                            debounce == null ? null : debounce.key(), debounce == null ? null : utc(debounce.maxUntil()),
                        key.key() == null ? null : key.userKey(), key.key() == null ? null : key.scope(),
                        firstStatus.name(), status.name(), description)
                .query((rs, n) -> rs.getObject(1, OffsetDateTime.class))
                .optional();
        if (updatedAt.isEmpty()) {
            return Optional.empty();
        }
        Instant updated = updatedAt.get().toInstant();
        events.publishEvent(new RunChangedEvent(id, friendlyId, at.environmentId(), updated));
        return Optional.of(new CreatedRun(id, friendlyId, status, snapshotId, updated, false));
    }

    private Optional<Existing> lockExisting(NewRun run) {
        return jdbc.sql("""
                        SELECT id, friendly_id, status, latest_snapshot_id, updated_at, idempotency_key_expires_at
                        FROM task_runs
                        WHERE runtime_environment_id = ? AND task_identifier = ? AND idempotency_key = ?
                        FOR UPDATE""")
                .params(run.placement().environmentId(), run.placement().taskIdentifier(), run.idempotency().key())
                .query(RunCreator::existing).optional();
    }

    private static Existing existing(ResultSet rs, int n) throws SQLException {
        Timestamp keyExpires = rs.getTimestamp("idempotency_key_expires_at");
        return new Existing(rs.getString("id"), rs.getString("friendly_id"), RunStatus.valueOf(rs.getString("status")),
                rs.getString("latest_snapshot_id"), rs.getTimestamp("updated_at").toInstant(),
                keyExpires == null ? null : keyExpires.toInstant());
    }

    private static String[] tags(NewRun.Payload payload) {
        return payload.tags() == null ? new String[0] : payload.tags().toArray(String[]::new);
    }

    /** A time to bind as {@code timestamptz}: PgJDBC writes an {@code OffsetDateTime} without a Calendar. */
    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    /** The debounce columns of a run created by a debounced trigger. */
    private record DebounceColumns(String key, Instant maxUntil) {
    }

    private record PendingDebounce(LockedRun run, Instant maxUntil) {
    }

    private record Existing(String id, String friendlyId, RunStatus status, String snapshotId, Instant updatedAt,
                            Instant keyExpiresAt) {
    }
}
