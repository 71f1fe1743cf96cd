package dev.triggerapi.run;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long a failed run waits before its next attempt: exponential ({@code base × 2^(attempt-1)}, capped),
 * with "equal jitter" — half of it fixed, half random — so runs that failed together (a flaky dependency)
 * do not all come back at the same instant, while each still waits at least half the nominal backoff.
 */
final class RetryBackoff {

    private final Duration base;
    private final Duration max;
    private final RandomGenerator random;

    RetryBackoff(Duration base, Duration max, RandomGenerator random) {
        this.base = base;
        this.max = max;
        this.random = random;
    }

    /** The wait after attempt {@code failedAttempt} (1-based) failed. */
    Duration after(int failedAttempt) {
        int doublings = Math.max(0, Math.min(failedAttempt - 1, 30));
        long nominal = Math.min(max.toMillis(), base.toMillis() << doublings);
        long half = nominal / 2;
        return Duration.ofMillis(half + (nominal - half == 0 ? 0 : random.nextLong(nominal - half + 1)));
    }
}
