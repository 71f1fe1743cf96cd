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
 * Repairs an environment's current view in Redis after its write was lost.
 *
 * <p>Promotion and DEVELOPMENT registration replace the environment hash after their commit. If that write fails
 * (a timeout, a dropped connection, the fail-open back-off after one), Redis still holds the <em>previous</em>
 * current worker, and would keep routing triggers to it until the hash's safety TTL (a day by default) ran out:
 * a wrong answer, not a slow one. So a failed write is retried here, with a capped backoff, until Redis has it
 * or a newer generation has replaced it; only the newest pending write per environment is kept. Until then
 * this instance does not read or back-fill that environment's hash at all ({@link #pending}): its triggers
 * resolve the current worker on the writer, as on any cache miss.
 *
 * <p>Other instances read the stale hash until the retry lands: the window is the retry delay once Redis
 * answers again, the same order as the window between a commit and its cache write. A process that dies with a
 * repair pending leaves the hash to its TTL (the repair is in memory only).
 */
final class CurrentViewRepair implements AutoCloseable {

    /** Writes a current view once: true when Redis has it or a newer generation (done), false when it failed. */
    @FunctionalInterface
    interface Write {
        boolean attempt(WorkerVersion worker, long generation);
    }

    private record Pending(WorkerVersion worker, long generation) {
    }

    private final Write write;
    private final Backoff backoff;
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retries =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("task-meta-current-repair"));

    CurrentViewRepair(Write write, Duration firstRetry, Duration maxRetry) {
        this.write = write;
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

    /** Records a current-view write that did not reach Redis and retries it (an older pending one is replaced). */
    void failed(WorkerVersion worker, long generation) {
        Pending fresh = new Pending(worker, generation);
        boolean[] created = {false};
        pending.compute(worker.environmentId(), (env, old) -> {
            if (old == null) {
                created[0] = true;
                return fresh;
            }
            return generation >= old.generation() ? fresh : old;
        });
        // One retry chain per environment: an existing chain picks the newer write up on its next attempt.
        if (created[0]) {
            schedule(worker.environmentId(), 1);
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
            done = write.attempt(next.worker(), next.generation());
        } catch (RuntimeException e) {
            done = false;
        }
        if (!done) {
            schedule(environmentId, attempt + 1);
        } else if (!pending.remove(environmentId, next)) {
            // A newer write failed while this one was being retried: it is still pending.
            schedule(environmentId, 1);
        }
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
