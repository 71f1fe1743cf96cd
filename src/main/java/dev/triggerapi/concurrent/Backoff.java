package dev.triggerapi.concurrent;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff: attempt n waits {@code min(initial × 2^(n−1), max)}, optionally with "equal jitter"
 * (half of it fixed, half random) so that things that failed together (runs hit by one flaky dependency) do not
 * all come back at the same instant, while each still waits at least half the nominal delay. The one backoff of
 * the service: run retries, the replication stream's reconnects and its ClickHouse insert retries. Immutable.
 */
public final class Backoff {

    private final Duration initial;
    private final Duration max;
    private final RandomGenerator jitter;

    private Backoff(Duration initial, Duration max, RandomGenerator jitter) {
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max, got " + initial + " / " + max);
        }
        this.initial = initial;
        this.max = max;
        this.jitter = jitter;
    }

    /** Without jitter; {@code initial} must be at least zero and at most {@code max}. */
    public static Backoff exponential(Duration initial, Duration max) {
        return new Backoff(initial, max, null);
    }

    /** The same backoff with equal jitter drawn from {@code random}. */
    public Backoff withEqualJitter(RandomGenerator random) {
        return new Backoff(initial, max, random);
    }

    /** Delay before attempt {@code attempt} (1-based); never overflows, however large the attempt. */
    public Duration delay(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, got " + attempt);
        }
        long nominal = nominalMillis(attempt - 1);
        if (jitter == null) {
            return Duration.ofMillis(nominal);
        }
        long half = nominal / 2;
        return Duration.ofMillis(half + (nominal - half == 0 ? 0 : jitter.nextLong(nominal - half + 1)));
    }

    private long nominalMillis(int doublings) {
        long initialMs = initial.toMillis();
        long maxMs = max.toMillis();
        if (initialMs == 0) {
            return 0;
        }
        if (doublings >= 62 || initialMs > (maxMs >> Math.min(doublings, 62))) {
            return maxMs;
        }
        return Math.min(initialMs << doublings, maxMs);
    }
}
