package dev.triggerapi.run;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import dev.triggerapi.concurrent.DaemonThreads;
import dev.triggerapi.snapshot.ExecutionStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The engine's background work, safe on any number of instances at once with no leader: each sweep selects
 * a batch of due runs {@code FOR UPDATE SKIP LOCKED} on the writer, so two instances sweeping together take
 * disjoint batches, and applies each change with its snapshot in that batch's transaction.
 * <ul>
 *   <li>delayed runs whose {@code delay_until} has passed → QUEUED (their TTL deadline starts now);</li>
 *   <li>runs whose retry backoff has ended → QUEUED;</li>
 *   <li>queued runs past their TTL → EXPIRED, releasing their idempotency key;</li>
 *   <li>runs whose runner lease lapsed → QUEUED again, or SYSTEM_FAILURE when no attempts are left;</li>
 *   <li>cancelled runs whose runner never acknowledged the cancel → FINISHED.</li>
 * </ul>
 * Time comes from the injected clock; the sweeps can also be run on demand ({@link #sweepOnce()}), and paused
 * on every instance at once ({@link SweeperPause}).
 */
@Component
class RunSweeper implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RunSweeper.class);
    /** Batches per sweep kind per tick: bounds one tick's work when a large backlog comes due at once. */
    private static final int MAX_BATCHES_PER_TICK = 20;
    /** A sweep transaction found the sweeper paused ({@link SweeperPause}) and changed nothing. */
    private static final int PAUSED = -1;

    // SQL is the point: bulk sweeps that claim due rows with FOR UPDATE SKIP LOCKED.
    private final JdbcClient jdbc;
    private final RunStateWriter writer;
    private final RunEngineProperties settings;
    private final TransactionTemplate transaction;
    private final JsonMapper json;
    private final Clock clock;
    private ScheduledExecutorService scheduler;

    RunSweeper(JdbcClient jdbc, RunStateWriter writer, RunEngineProperties settings,
               PlatformTransactionManager transactionManager, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.writer = writer;
        this.settings = settings;
        this.transaction = new TransactionTemplate(transactionManager);
        this.json = json;
        this.clock = clock;
    }

    /** Runs every sweep until nothing is due (or the per-tick bound is reached); returns runs changed. */
    int sweepOnce() {
        return sweep("status = 'DELAYED' AND delay_until <= :now", "delay_until", this::queueDelayed)
                + sweep("status = 'RETRYING_AFTER_FAILURE' AND retry_at <= :now", "retry_at", this::queueRetry)
                + sweep("status = 'QUEUED' AND expires_at <= :now", "expires_at", this::expire)
                + sweep("status IN ('DEQUEUED', 'EXECUTING') AND lease_expires_at <= :now", "lease_expires_at",
                this::reclaimLapsedLease)
                + sweep("status = 'CANCELED' AND lease_expires_at <= :now", "lease_expires_at",
                this::finishUnacknowledgedCancel);
    }

    private int sweep(String due, String orderColumn, BiConsumer<LockedRun, Instant> change) {
        int total = 0;
        for (int batch = 0; batch < MAX_BATCHES_PER_TICK; batch++) {
            Integer changed = transaction.execute(status -> {
                if (!Boolean.TRUE.equals(jdbc.sql("SELECT pg_try_advisory_xact_lock_shared(?)")
                        .param(SweeperPause.LOCK_KEY).query(Boolean.class).single())) {
                    return PAUSED;
                }
                Instant now = now();
                List<LockedRun> runs = jdbc.sql("SELECT " + LockedRun.COLUMNS + " FROM task_runs WHERE " + due
                                + " ORDER BY " + orderColumn + " LIMIT :batch FOR UPDATE SKIP LOCKED")
                        .param("now", Timestamp.from(now)).param("batch", settings.sweepBatchSize())
                        .query(LockedRun::map).list();
                runs.forEach(run -> change.accept(run, now));
                return runs.size();
            });
            if (changed == PAUSED) {
                break;
            }
            total += changed;
            if (changed < settings.sweepBatchSize()) {
                break;
            }
        }
        return total;
    }

    private void queueDelayed(LockedRun run, Instant now) {
        writer.apply(run, Transition.of(run, RunStatus.QUEUED, ExecutionStatus.QUEUED, "Delay elapsed; run queued")
                .set("queued_at", now)
                .set("expires_at", run.ttlSeconds() == null ? null : now.plusSeconds(run.ttlSeconds())));
    }

    private void queueRetry(LockedRun run, Instant now) {
        writer.apply(run, Transition.of(run, RunStatus.QUEUED, ExecutionStatus.QUEUED,
                        "Retry backoff elapsed; queued for attempt " + (run.attemptNumber() + 1))
                .set("queued_at", now)
                .set("retry_at", null));
    }

    private void expire(LockedRun run, Instant now) {
        // The key is released so a new trigger with it creates a new run instead of returning this one.
        writer.apply(run, Transition.of(run, RunStatus.EXPIRED, ExecutionStatus.FINISHED,
                        "Run expired: it did not start within its TTL" + (run.ttl() == null ? "" : " of " + run.ttl()))
                .set("expired_at", now)
                .set("completed_at", now)
                .set("idempotency_key", null));
    }

    private void reclaimLapsedLease(LockedRun run, Instant now) {
        int allowed = run.attemptsAllowed(settings.defaultMaxAttempts());
        if (run.attemptNumber() >= allowed) {
            RunError error = new RunError("The runner stopped responding during attempt " + run.attemptNumber()
                    + " (lease lapsed) and no attempts are left", "LeaseExpired", null);
            writer.apply(run, Transition.of(run, RunStatus.SYSTEM_FAILURE, ExecutionStatus.FINISHED,
                            "Runner lease lapsed after the last attempt (" + run.attemptNumber() + " of " + allowed + ")")
                    .setJson("error", json.writeValueAsString(error))
                    .set("completed_at", now)
                    .set("lease_expires_at", null));
            return;
        }
        writer.apply(run, Transition.of(run, RunStatus.QUEUED, ExecutionStatus.QUEUED,
                        "Runner lease lapsed while " + run.status() + "; run queued again")
                .set("queued_at", now)
                .set("lease_expires_at", null));
    }

    private void finishUnacknowledgedCancel(LockedRun run, Instant now) {
        writer.apply(run, Transition.of(run, RunStatus.CANCELED, ExecutionStatus.FINISHED,
                        "The runner did not acknowledge the cancel before its lease lapsed")
                .set("lease_expires_at", null));
    }

    private void tick() {
        try {
            sweepOnce();
        } catch (RuntimeException e) {
            // Next tick retries; a database outage must not kill the schedule.
            log.warn("Run sweep failed: {}", e.getMessage());
        }
    }

    @Override
    public synchronized void start() {
        if (!settings.sweeperEnabled() || scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("run-sweeper"));
        long interval = settings.sweepInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (scheduler == null) {
            return;
        }
        scheduler.shutdown();
        try {
            // Let a sweep in progress commit rather than interrupting it mid-transaction.
            if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
        scheduler = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }

    /** PostgreSQL keeps microseconds: truncating here makes what we answer equal what we stored. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
