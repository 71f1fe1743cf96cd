package dev.triggerapi.taskmeta;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.triggerapi.concurrent.Backoff;
import dev.triggerapi.concurrent.DaemonThreads;

/**
 * Repairs an environment's current view in Redis after its replacement was lost.
 *
 * <p>Promotion and DEVELOPMENT registration replace the environment hash after their commit. If that write fails
 * (a timeout, a dead pooled connection, Redis refusing writes), Redis still holds the <em>previous</em> current
 * worker, and would keep routing triggers to it until the hash's safety TTL (a day by default) ran out: a wrong
 * answer, not a slow one. So the hash is dropped here instead, retried with a capped backoff until Redis takes it,
 * unless a write of that generation or a newer one is in it by then ({@code task-meta-drop-stale-current.lua}).
 * Dropping, not replaying the write: after a Redis restart nothing would stop a replayed old generation from
 * overwriting a newer promotion made meanwhile, while a dropped hash is rebuilt from the writer by the next
 * trigger ({@link TaskMetadataReader}). Until the drop lands this instance neither reads nor back-fills that
 * environment's hash ({@link #pending}): its triggers resolve the current worker on the writer.
 *
 * <p>Other instances read the stale hash until the drop lands: for as long as Redis refuses writes, plus one retry
 * delay, the same order as the window between a commit and its cache write. A process that dies with a repair
 * pending leaves the hash to its TTL (the repair is held in memory only).
 */
final class CurrentViewRepair implements AutoCloseable {

    /** One drop attempt: true when done (dropped, absent, or newer), false when Redis did not take it. */
    @FunctionalInterface
    interface Drop {
        boolean attempt(String environmentId, long generation);
    }

    private record Pending(long generation) {
    }

    private final Drop drop;
    private final Backoff backoff;
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retries =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("task-meta-current-repair"));

    CurrentViewRepair(Drop drop, Duration firstRetry, Duration maxRetry) {
        this.drop = drop;
        this.backoff = Backoff.exponential(firstRetry, maxRetry).withEqualJitter(new Random());
    }

    /** Whether a write of {@code environmentId}'s current view is still waiting to reach Redis. */
    boolean pending(String environmentId) {
        return !pending.isEmpty() && pending.containsKey(environmentId);
    }

    /** Environments whose current view is waiting for a retry. */
    int size() {
        return pending.size();
    }

    /** Records a current-view write of {@code generation} that did not reach Redis, and drops the hash it left. */
    void failed(String environmentId, long generation) {
        Pending fresh = new Pending(generation);
        boolean[] created = {false};
        pending.compute(environmentId, (env, old) -> {
            if (old == null) {
                created[0] = true;
                return fresh;
            }
            return generation >= old.generation() ? fresh : old;
        });
        // One retry chain per environment: an existing chain picks the newer write up on its next attempt.
        if (created[0]) {
            schedule(environmentId, 1);
        }
    }

    private void schedule(String environmentId, int attempt) {
        try {
            retries.schedule(() -> attempt(environmentId, attempt), backoff.delay(attempt).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // Shutting down: what is pending is left to the hash's TTL, as for a process that died.
        }
    }

    private void attempt(String environmentId, int attempt) {
        Pending next = pending.get(environmentId);
        if (next == null) {
            return;
        }
        boolean done;
        try {
            done = drop.attempt(environmentId, next.generation());
        } catch (RuntimeException e) {
            done = false;
        }
        if (!done) {
            schedule(environmentId, attempt + 1);
        } else if (!pending.remove(environmentId, next)) {
            // A newer write failed while this drop was being tried: it is still pending.
            schedule(environmentId, 1);
        }
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
