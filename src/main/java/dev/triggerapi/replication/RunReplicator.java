package dev.triggerapi.replication;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.clickhouse.ClickHouseException;
import dev.triggerapi.clickhouse.ClickHouseSchema;
import dev.triggerapi.concurrent.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Runs the replication of {@code task_runs} to ClickHouse on one instance of a deployment at a time, and
 * brings it back after failures.
 *
 * <p>At start it validates PostgreSQL (a wrong setup fails startup with the fix SQL) and applies the ClickHouse
 * DDL. Then it contends for the Redis leader lock (keyed on the slot): the leader streams, extending the lock
 * every {@code extendInterval}; a standby retries every {@code acquireInterval}. Losing the lock stops the
 * stream at once and makes the instance a standby again; that is normal and never an error.
 *
 * <p>When the stream stops with an error (replication connection killed, failover, ClickHouse down longer
 * than the insert retries), the lock is released (a healthy standby may take over) and
 * {@link ReplicationErrorRecovery} decides: {@code reconnect} rebuilds the engine after a capped exponential
 * backoff, taking the lock first, with one reconnect pending at a time, a failed reconnect scheduling the next and
 * the counter reset once the stream is live; {@code exit} ends the process after a delay so a supervisor restarts
 * it; {@code log} stays stopped. None of this happens during shutdown, which stops the engine and releases the
 * lock.
 *
 * <p>All decisions run on one control thread, so states never race; engine callbacks are posted to it and
 * tagged with the engine's generation so a late callback of an old engine is ignored.
 */
public final class RunReplicator implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RunReplicator.class);
    private static final Duration ENGINE_GONE_POLL = Duration.ofMillis(100);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(15);

    /** Where the replicator is. */
    public enum State {
        /** Not started, or shut down. */
        STOPPED,
        /** Another instance leads; this one keeps trying to take the lock. */
        STANDBY,
        /** Leader, engine starting (snapshot included). */
        STARTING,
        /** Leader, change stream live. */
        STREAMING,
        /** Stopped by an error, a reconnect is scheduled. */
        RECONNECTING,
        /** Stopped by an error and staying stopped (log strategy, exit pending, reconnects exhausted). */
        FAILED
    }

    /**
     * What health reports.
     *
     * @param state            current state
     * @param leader           whether this instance holds the leader lock
     * @param lastCommitLsn    commit LSN of the last transaction written to ClickHouse ({@code X/Y}), or null
     * @param lagMillis        commit → ClickHouse of the last written change, or null
     * @param reconnectAttempt reconnect attempts since the stream was last live
     * @param lastError        message of the last stream error, or null
     */
    public record Status(State state, boolean leader, String lastCommitLsn, Long lagMillis, int reconnectAttempt,
                         String lastError) {
    }

    private final RunReplicationProperties settings;
    // SQL is the point: replication slot and publication bookkeeping on the writer.
    private final JdbcClient writer;
    private final ReplicationSetupValidator validator;
    private final ClickHouseSchema clickHouseSchema;
    private final ClickHouseRunWriter clickHouseWriter;
    private final ReplicationLeaderLock lock;
    private final WriterConnection writerConnection;
    private final ReplicationExit exit;
    private final ReplicationMetrics metrics;
    private final ReplicationErrorRecovery recovery;
    private final SlotRestartPoint restartPoint;
    private final Clock clock;

    private ScheduledExecutorService control;
    private volatile boolean running;
    private volatile boolean shuttingDown;
    private volatile State state = State.STOPPED;
    private volatile Long lastCommitLsn;
    private volatile Long lastLagMillis;
    private volatile String lastError;

    // Control thread only.
    private DebeziumRunStream stream;
    private DebeziumRunStream.RunningEngine engine;
    private int generation;
    private ScheduledFuture<?> acquireTask;
    private ScheduledFuture<?> extendTask;
    private ScheduledFuture<?> restartPointTask;
    private ScheduledFuture<?> reconnectTask;
    private ScheduledFuture<?> exitTask;

    /**
     * @param settings         replication settings
     * @param writer           SQL on the writer (validation, slot checks)
     * @param writerConnection where Debezium connects
     * @param clickHouse       the ClickHouse the rows go to
     * @param redis            Redis for the leader lock
     * @param instanceToken    this instance's identity in the lock (unique per instance)
     * @param exit             what the exit strategy calls
     * @param metrics          meters
     * @param clock            time
     */
    RunReplicator(RunReplicationProperties settings, JdbcClient writer, WriterConnection writerConnection,
                  ClickHouseClient clickHouse, StringRedisTemplate redis, String instanceToken, ReplicationExit exit,
                  ReplicationMetrics metrics, Clock clock) {
        this.settings = settings;
        this.writer = writer;
        this.validator = new ReplicationSetupValidator(writer);
        this.restartPoint = new SlotRestartPoint(writer);
        this.clickHouseSchema = new ClickHouseSchema(clickHouse);
        this.clickHouseWriter = new ClickHouseRunWriter(clickHouse, settings.flushBatchSize(), settings.insert(), metrics);
        this.lock = new ReplicationLeaderLock(redis, settings.slotName(), instanceToken, settings.leader().lockTtl(), clock);
        this.writerConnection = writerConnection;
        this.exit = exit;
        this.metrics = metrics;
        this.recovery = new ReplicationErrorRecovery(settings.errorStrategy(), settings.reconnect(), settings.exit(), clock);
        this.clock = clock;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        validator.validate(settings.publicationName(), settings.slotName());
        stream = new DebeziumRunStream(settings, writerConnection, validator.tableSchema());
        try {
            clickHouseSchema.apply();
        } catch (ClickHouseException e) {
            // Not fatal: the stream applies it again before it starts, and retries while ClickHouse is down.
            log.warn("ClickHouse is not reachable at start, the runs table will be created when it is: {}", e.getMessage());
        }
        shuttingDown = false;
        running = true;
        control = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("runs-replication-control-" + settings.slotName()));
        control.execute(this::tryToLead);
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        shuttingDown = true;
        running = false;
        try {
            DebeziumRunStream.RunningEngine current = control.submit(() -> {
                cancel(acquireTask);
                cancel(reconnectTask);
                cancel(exitTask);
                stopExtending();
                if (engine != null && !engine.isFinished()) {
                    engine.requestStop();
                }
                return engine;
            }).get(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (current != null && !current.awaitFinished(SHUTDOWN_TIMEOUT)) {
                log.warn("The runs replication engine did not stop within {} s", SHUTDOWN_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Stopping runs replication: {}", e.getMessage());
        } finally {
            control.shutdownNow();
            lock.release();
            metrics.leader(false);
            state = State.STOPPED;
        }
        log.info("Runs replication {} stopped", settings.slotName());
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** What health reports. */
    public Status status() {
        Long lsn = lastCommitLsn;
        return new Status(state, lock.isHeld(), lsn == null ? null : formatLsn(lsn), lastLagMillis, recovery.attempt(),
                lastError);
    }

    /** The slot this replicator streams from. */
    public String slotName() {
        return settings.slotName();
    }

    /** The Redis key of the leader lock. */
    String lockKey() {
        return lock.key();
    }

    // ---- leadership -------------------------------------------------------------------------------------

    private void tryToLead() {
        acquireTask = null;
        if (shuttingDown) {
            return;
        }
        if (engineStillRunning()) {
            acquireTask = schedule(this::tryToLead, ENGINE_GONE_POLL);
            return;
        }
        if (lock.tryAcquire()) {
            log.info("Runs replication {}: this instance is the leader", settings.slotName());
            becameLeader();
            startEngine();
        } else {
            standBy();
        }
    }

    private void standBy() {
        state = State.STANDBY;
        metrics.leader(false);
        cancel(acquireTask);
        acquireTask = schedule(this::tryToLead, settings.leader().acquireInterval());
    }

    private void becameLeader() {
        metrics.leader(true);
        if (extendTask == null) {
            long every = settings.leader().extendInterval().toMillis();
            extendTask = control.scheduleWithFixedDelay(guarded(this::extendLock), every, every, TimeUnit.MILLISECONDS);
        }
        long restartPointEvery = settings.restartPointInterval().toMillis();
        if (restartPointTask == null && restartPointEvery > 0) {
            restartPointTask = control.scheduleWithFixedDelay(this::advanceRestartPoint, restartPointEvery,
                    restartPointEvery, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Only while the stream runs (a standby's record would move nothing). A helper, not a decision: its failure is
     * logged and never a stream failure.
     */
    private void advanceRestartPoint() {
        if (shuttingDown || !engineStillRunning()) {
            return;
        }
        try {
            if (!restartPoint.advance() && restartPoint.unavailable()) {
                cancel(restartPointTask);
            }
        } catch (RuntimeException e) {
            log.debug("Moving the slot's restart point failed: {}", e.getMessage());
        }
    }

    private void extendLock() {
        if (shuttingDown) {
            return;
        }
        switch (lock.extend()) {
            case HELD -> { }
            case LOST -> leadershipLost("the leader lock expired or another instance took it");
            case UNKNOWN -> {
                // Keep streaming only while the lock is certainly ours until the next extension attempt.
                if (clock.instant().plus(settings.leader().extendInterval()).isAfter(lock.validUntil())) {
                    leadershipLost("Redis did not answer and the leader lock may expire before it can be extended");
                }
            }
        }
    }

    private void leadershipLost(String why) {
        log.warn("Runs replication {}: stopping the stream, {}", settings.slotName(), why);
        stopExtending();
        if (engineStillRunning()) {
            engine.requestStop();
        }
        lock.release();
        cancel(reconnectTask);
        recovery.reset();
        standBy();
    }

    // ---- the engine -------------------------------------------------------------------------------------

    private void startEngine() {
        state = State.STARTING;
        int gen = ++generation;
        try {
            StopSignal stop = new StopSignal();
            ClickHouseBatchSink.Progress progress = new ClickHouseBatchSink.Progress() {
                @Override
                public void flushed(Long commitLsn, Long lagMillis) {
                    RunReplicator.this.flushed(commitLsn, lagMillis);
                }

                @Override
                public void insertFailed(Throwable error) {
                    post(() -> RunReplicator.this.insertFailed(gen, error));
                }
            };
            ClickHouseBatchSink handler = new ClickHouseBatchSink(clickHouseWriter, lock::isHeld, stop, clock, metrics,
                    progress, settings.insert().maxInFlight(), settings.flushBatchSize(), settings.flushInterval(),
                    "runs-replication-insert-" + settings.slotName() + "-" + gen);
            // The DDL and the slot take-over run on the engine's thread: a hanging ClickHouse or writer must not
            // hold up this control thread, which extends the lock.
            engine = stream.start(() -> {
                clickHouseSchema.apply();
                takeOverSlot();
            }, handler, stop, listener(gen), gen);
        } catch (RuntimeException e) {
            streamFailed(e);
        }
    }

    /**
     * The lock is ours, so whatever still streams from the slot belongs to a former leader that lost the lock
     * (a crashed instance's connection lingers until PostgreSQL's sender timeout): end it, or the slot would
     * refuse this instance.
     */
    private void takeOverSlot() {
        writer.sql("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ? AND active_pid IS NOT NULL")
                .param(settings.slotName()).query(Integer.class).optional()
                .ifPresent(pid -> {
                    log.warn("Runs replication {}: slot still used by backend {}, terminating it", settings.slotName(), pid);
                    writer.sql("SELECT pg_terminate_backend(?)").param(pid).query(Boolean.class).optional();
                });
    }

    private DebeziumRunStream.Listener listener(int gen) {
        return new DebeziumRunStream.Listener() {
            @Override
            public void streaming() {
                post(() -> {
                    if (gen == generation && state == State.STARTING) {
                        state = State.STREAMING;
                        recovery.reset();
                        log.info("Runs replication {} is streaming", settings.slotName());
                    }
                });
            }

            @Override
            public void stopped(boolean success, String message, Throwable error) {
                post(() -> engineStopped(gen, message, error));
            }
        };
    }

    private void engineStopped(int gen, String message, Throwable error) {
        if (gen != generation || shuttingDown || engine == null || engine.stopRequested()) {
            return;
        }
        if (causedBy(error, LeadershipLostException.class)) {
            leadershipLost("a batch found the lock no longer certainly ours");
            return;
        }
        streamFailed(error != null ? error : new IllegalStateException("the engine stopped: " + message));
    }

    /**
     * An insert failed on an insert thread. The engine is still running and may not hand over another batch (an idle
     * stream), so it is stopped here and the failure handled like an engine error; if the engine already ended with
     * the failure, {@link #engineStopped} has handled it.
     */
    private void insertFailed(int gen, Throwable error) {
        if (gen != generation || shuttingDown || engine == null || engine.stopRequested() || engine.isFinished()) {
            return;
        }
        if (causedBy(error, LeadershipLostException.class)) {
            leadershipLost("a batch found the lock no longer certainly ours");
            return;
        }
        engine.requestStop();
        streamFailed(error);
    }

    private void streamFailed(Throwable error) {
        lastError = rootMessage(error);
        log.error("Runs replication {} stopped with an error ({} strategy): {}", settings.slotName(),
                settings.errorStrategy().name().toLowerCase(java.util.Locale.ROOT), lastError, error);
        stopExtending();
        lock.release();
        metrics.leader(false);
        boolean reconnectPending = reconnectTask != null && !reconnectTask.isDone();
        ReplicationErrorRecovery.Decision decision = recovery.streamFailed(reconnectPending);
        if (decision instanceof ReplicationErrorRecovery.Reconnect reconnect) {
            state = State.RECONNECTING;
            log.warn("Runs replication {}: reconnect attempt {} in {} ms", settings.slotName(), reconnect.attempt(),
                    reconnect.delay().toMillis());
            reconnectTask = schedule(this::reconnect, reconnect.delay());
        } else if (decision instanceof ReplicationErrorRecovery.Exit exitDecision) {
            state = State.FAILED;
            cancel(exitTask);
            exitTask = schedule(() -> {
                if (!shuttingDown) {
                    log.error("Runs replication stopped with an error: exiting with code {} so a supervisor restarts "
                            + "the process (RUN_REPLICATION_ERROR_STRATEGY=exit)", exitDecision.code());
                    exit.exit(exitDecision.code());
                }
            }, exitDecision.delay());
        } else if (decision instanceof ReplicationErrorRecovery.StayStopped stay) {
            state = State.FAILED;
            if (stay.gaveUp()) {
                log.error("Runs replication {} gave up after {} reconnect attempts (REPLICATION_RECONNECT_MAX_ATTEMPTS)",
                        settings.slotName(), stay.attempts());
            } else {
                log.error("Runs replication {} stays stopped (RUN_REPLICATION_ERROR_STRATEGY=log); restart the "
                        + "instance to resume", settings.slotName());
            }
        }
        // KeepPendingReconnect: the reconnect already scheduled will run.
    }

    private void reconnect() {
        reconnectTask = null;
        if (shuttingDown) {
            return;
        }
        if (engineStillRunning()) {
            reconnectTask = schedule(this::reconnect, ENGINE_GONE_POLL);
            return;
        }
        metrics.reconnected();
        if (lock.tryAcquire()) {
            becameLeader();
            startEngine();
        } else {
            log.info("Runs replication {}: another instance leads now, standing by", settings.slotName());
            recovery.reset();
            standBy();
        }
    }

    private void flushed(Long commitLsn, Long lagMillis) {
        if (commitLsn != null) {
            lastCommitLsn = commitLsn;
        }
        if (lagMillis != null) {
            lastLagMillis = lagMillis;
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private boolean engineStillRunning() {
        return engine != null && !engine.isFinished();
    }

    private void stopExtending() {
        cancel(extendTask);
        extendTask = null;
        cancel(restartPointTask);
        restartPointTask = null;
    }

    private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return control.schedule(guarded(task), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void post(Runnable task) {
        try {
            control.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            // shut down: nothing left to decide
        }
    }

    /** A failing decision must not kill the control thread's schedule; it is a stream failure instead. */
    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                if (!shuttingDown) {
                    log.error("Runs replication {}: control step failed", settings.slotName(), e);
                    streamFailed(e);
                }
            }
        };
    }

    private static void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return Optional.ofNullable(root.getMessage()).orElse(root.getClass().getSimpleName());
    }

    static String formatLsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
                + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT);
    }
}
