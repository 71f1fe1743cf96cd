package dev.triggerapi.snapshot;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import javax.sql.DataSource;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.datasource.ReplicaFirstReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Answers a runner's snapshots-since poll from the replica when it can, and from the primary when the
 * replica is behind — the whole replica-retry / primary-fallback policy lives in this one class.
 *
 * <p>A runner polls with the id of the snapshot it just heard about (from a dequeue or an action answered by
 * the primary), so a lagging replica often has not applied that anchor yet. A replica miss is therefore
 * never an answer by itself:
 * <ol>
 *   <li>read on the replica; the anchor missing there is {@link SnapshotAnchorNotFoundException};</li>
 *   <li>wait a uniformly random delay in [min, max] — jittered so a burst of runners that heard about the
 *       same commit do not retry in lockstep — on a timer, with no connection held and no request thread
 *       parked (the HTTP response is asynchronous), then read the replica once more;</li>
 *   <li>still missing: read the whole answer on the primary (not just the anchor: mixing a primary anchor
 *       with a replica window could skip snapshots the replica has not applied yet).</li>
 * </ol>
 * {@code max = 0} skips the retry. Besides anchor misses, only a lost replica connection moves a poll to the
 * primary (the replica stopped or dropped us: {@link ReplicaFirstReader#replicaConnectionLost}, which also opens
 * the replica breaker so the following polls use the writer until the replica is back); any other replica error
 * (a timeout, a conflict with recovery) propagates, so a merely sick replica cannot shift its load onto the
 * writer. A miss on the primary too is a genuine 404, logged but not counted as lag.
 */
public class SnapshotsSinceReader implements AutoCloseable {

    static final String MISS_COUNTER = "run_engine.snapshots_since.replica_miss";
    private static final Logger log = LoggerFactory.getLogger(SnapshotsSinceReader.class);

    // SQL is the point: the snapshots-since window is one anchored, limited statement on a pool of its own.
    private final JdbcClient replica;
    private final JdbcClient primary;
    private final SnapshotWindowQuery query = new SnapshotWindowQuery();
    private final int limit;
    private final long retryMinMs;
    private final long retryMaxMs;
    private final ScheduledExecutorService timer;
    private final RandomGenerator random;
    private final ReplicaFirstReader writerFallback;
    private final Counter recoveredOnReplicaRetry;
    private final Counter recoveredOnPrimary;

    /**
     * @param replica  the replica pool, or {@code null} when none is configured
     * @param primary  the writer pool
     * @param settings limit, retry window, and whether to read the replica at all
     * @param timer    runs the delayed retries (owned by this reader: {@link #close()} shuts it down)
     * @param random   jitter source
     * @param writerFallback decides whether a failed replica read may go to the primary (lost connection)
     * @param meters   where the miss counter lives
     */
    public SnapshotsSinceReader(DataSource replica, DataSource primary, SnapshotsSinceProperties settings,
                                ScheduledExecutorService timer, RandomGenerator random,
                                ReplicaFirstReader writerFallback, MeterRegistry meters) {
        this.replica = settings.readsReplica(replica != null) ? JdbcClient.create(replica) : null;
        this.primary = JdbcClient.create(primary);
        this.limit = settings.limit();
        this.retryMinMs = settings.effectiveRetryMinMs();
        this.retryMaxMs = settings.replicaRetryMaxMs();
        this.timer = timer;
        this.random = random;
        this.writerFallback = writerFallback;
        this.recoveredOnReplicaRetry = Counter.builder(MISS_COUNTER).tag("outcome", "replica_retry")
                .description("Snapshots-since polls whose anchor was missing on the replica, by how they recovered")
                .register(meters);
        this.recoveredOnPrimary = Counter.builder(MISS_COUNTER).tag("outcome", "primary")
                .description("Snapshots-since polls whose anchor was missing on the replica, by how they recovered")
                .register(meters);
    }

    /**
     * The snapshots of the run after the anchor. Completes at once unless the replica missed the anchor and
     * a retry is due; completes exceptionally with a 404 {@link ApiException} on a genuine miss, and with the
     * database error on any other failure (never throws).
     *
     * <p>A replica that has applied the anchor answers with the snapshots it has applied after it; a newer
     * one it has not applied yet is picked up by the runner's next poll.
     */
    public CompletableFuture<SnapshotsSince> read(SnapshotsSinceRequest request) {
        if (replica == null) {
            return completed(() -> fromPrimary(request, false));
        }
        try {
            return CompletableFuture.completedFuture(query.read(replica, request, limit));
        } catch (SnapshotAnchorNotFoundException replicaMiss) {
            // Most likely lag: the runner heard about this snapshot from the primary a moment ago.
        } catch (RuntimeException replicaFailure) {
            if (writerFallback.replicaConnectionLost(replicaFailure)) {
                return completed(() -> fromPrimary(request, false));
            }
            return CompletableFuture.failedFuture(replicaFailure); // not a lag symptom: not the writer's problem
        }
        if (retryMaxMs == 0) {
            return completed(() -> fromPrimary(request, true));
        }
        long delayMs = retryMinMs == retryMaxMs ? retryMaxMs : random.nextLong(retryMinMs, retryMaxMs + 1);
        CompletableFuture<SnapshotsSince> answer = new CompletableFuture<>();
        try {
            timer.schedule(() -> complete(answer, () -> retryOnReplicaThenPrimary(request, delayMs)),
                    delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            return completed(() -> fromPrimary(request, true));
        }
        return answer;
    }

    private SnapshotsSince retryOnReplicaThenPrimary(SnapshotsSinceRequest request, long waitedMs) {
        try {
            SnapshotsSince answer = query.read(replica, request, limit);
            recoveredOnReplicaRetry.increment();
            return answer;
        } catch (SnapshotAnchorNotFoundException stillMissing) {
            log.warn("Execution snapshot {} of run {} still missing on the replica {} ms after the first read; "
                    + "answering from the primary", request.snapshotId(), request.runFriendlyId(), waitedMs);
            return fromPrimary(request, true);
        } catch (RuntimeException replicaFailure) {
            if (!writerFallback.replicaConnectionLost(replicaFailure)) {
                throw replicaFailure;
            }
            return fromPrimary(request, true);
        }
    }

    private SnapshotsSince fromPrimary(SnapshotsSinceRequest request, boolean replicaMissed) {
        try {
            SnapshotsSince answer = query.read(primary, request, limit);
            if (replicaMissed) {
                recoveredOnPrimary.increment();
            }
            return answer;
        } catch (SnapshotAnchorNotFoundException genuineMiss) {
            log.info("Snapshots-since for run {}: no execution snapshot {} on the primary either",
                    request.runFriendlyId(), request.snapshotId());
            throw ApiException.notFound(genuineMiss.getMessage());
        }
    }

    private static CompletableFuture<SnapshotsSince> completed(Supplier<SnapshotsSince> read) {
        CompletableFuture<SnapshotsSince> answer = new CompletableFuture<>();
        complete(answer, read);
        return answer;
    }

    private static void complete(CompletableFuture<SnapshotsSince> answer, Supplier<SnapshotsSince> read) {
        try {
            answer.complete(read.get());
        } catch (Throwable e) {
            // Whatever happens, the waiting HTTP response must complete rather than hang until its timeout.
            answer.completeExceptionally(e);
        }
    }

    /** Stops the retry timer; retries already scheduled still run. */
    @Override
    public void close() {
        timer.shutdown();
    }
}
