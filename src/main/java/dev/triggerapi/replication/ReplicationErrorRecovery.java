package dev.triggerapi.replication;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.triggerapi.concurrent.Backoff;

/**
 * What the replicator does when the stream stops with an error ({@code RUN_REPLICATION_ERROR_STRATEGY}), as a
 * decision without side effects: {@code reconnect} after {@code min(initial × 2^(attempt−1), max)}, until
 * {@code maxAttempts} (0 = never give up); {@code exit} after a delay, so a supervisor restarts the process;
 * {@code log} stays stopped. It counts the reconnect attempts since the stream was last live, and owns the backoff
 * that turns an attempt into a delay. {@link RunReplicator} carries the decision out on its control thread.
 *
 * <p>Not thread-safe except {@link #attempt()}, which health reads from any thread.
 */
final class ReplicationErrorRecovery {

    /** What to do after a stream error. */
    sealed interface Decision permits Reconnect, KeepPendingReconnect, Exit, StayStopped {
    }

    /**
     * Rebuild the stream (taking the lock first) after {@code delay}, i.e. at {@code at}.
     *
     * @param attempt reconnect attempt since the stream was last live, from 1
     */
    record Reconnect(int attempt, Duration delay, Instant at) implements Decision {
    }

    /** A reconnect is already scheduled: one pending at a time, so nothing more to do. */
    record KeepPendingReconnect() implements Decision {
    }

    /** End the process with {@code code} after {@code delay}, i.e. at {@code at}. */
    record Exit(int code, Duration delay, Instant at) implements Decision {
    }

    /**
     * Stay stopped (health DOWN) until the instance restarts.
     *
     * @param gaveUp   true when {@code maxAttempts} reconnects were used up, false for the {@code log} strategy
     * @param attempts reconnect attempts made
     */
    record StayStopped(boolean gaveUp, int attempts) implements Decision {
    }

    private final RunReplicationProperties.ErrorStrategy strategy;
    private final RunReplicationProperties.Reconnect reconnect;
    private final RunReplicationProperties.Exit exit;
    private final Backoff backoff;
    private final Clock clock;
    private volatile int attempt;

    ReplicationErrorRecovery(RunReplicationProperties.ErrorStrategy strategy,
                             RunReplicationProperties.Reconnect reconnect, RunReplicationProperties.Exit exit,
                             Clock clock) {
        this.strategy = strategy;
        this.reconnect = reconnect;
        this.exit = exit;
        this.backoff = Backoff.exponential(reconnect.initialDelay(), reconnect.maxDelay());
        this.clock = clock;
    }

    /**
     * The decision for a stream that just stopped with an error.
     *
     * @param reconnectPending whether a reconnect decided earlier has not run yet
     */
    Decision streamFailed(boolean reconnectPending) {
        Instant now = clock.instant();
        return switch (strategy) {
            case RECONNECT -> {
                if (reconnectPending) {
                    yield new KeepPendingReconnect();
                }
                int next = attempt + 1;
                int max = reconnect.maxAttempts();
                if (max > 0 && next > max) {
                    yield new StayStopped(true, attempt);
                }
                attempt = next;
                Duration delay = backoff.delay(next);
                yield new Reconnect(next, delay, now.plus(delay));
            }
            case EXIT -> new Exit(exit.code(), exit.delay(), now.plus(exit.delay()));
            case LOG -> new StayStopped(false, attempt);
        };
    }

    /** The stream is live again, or another instance leads: the next failure starts the backoff over. */
    void reset() {
        attempt = 0;
    }

    /** Reconnect attempts since the stream was last live. */
    int attempt() {
        return attempt;
    }
}
