package dev.triggerapi.replication;

import java.time.Duration;

/** Exponential backoff with a cap: attempt n waits {@code min(initial × 2^(n−1), max)}. */
final class CappedBackoff {

    private final Duration initial;
    private final Duration max;

    CappedBackoff(Duration initial, Duration max) {
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max, got " + initial + " / " + max);
        }
        this.initial = initial;
        this.max = max;
    }

    /** Delay before attempt {@code attempt} (1-based); never overflows, however large the attempt. */
    Duration delay(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, got " + attempt);
        }
        int doublings = attempt - 1;
        long initialMs = initial.toMillis();
        if (initialMs == 0) {
            return Duration.ZERO;
        }
        if (doublings >= 62 || initialMs > (max.toMillis() >> Math.min(doublings, 62))) {
            return max;
        }
        return Duration.ofMillis(Math.min(initialMs << doublings, max.toMillis()));
    }
}
