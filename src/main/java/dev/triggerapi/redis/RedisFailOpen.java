package dev.triggerapi.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;

/**
 * The bookkeeping every fail-open Redis user shares: after a failure Redis is left alone for a back-off window (asking
 * it again on every request would add a command timeout to each), and failures are logged as a warning at most
 * every ten seconds (debug otherwise) so an outage does not flood the log. Thread-safe.
 */
public final class RedisFailOpen {

    private static final long WARN_EVERY_MS = 10_000;

    private final Clock clock;
    private final long backoffMs;
    private final Logger log;
    private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE / 2);
    private volatile long skipUntil = Long.MIN_VALUE;

    public RedisFailOpen(Clock clock, Duration backoff, Logger log) {
        this.clock = clock;
        this.backoffMs = backoff.toMillis();
        this.log = log;
    }

    /** Whether Redis is being left alone after a recent failure. */
    public boolean backingOff() {
        return clock.millis() < skipUntil;
    }

    /** Leaves Redis alone for the back-off window from now. */
    public void backOff() {
        skipUntil = clock.millis() + backoffMs;
    }

    /** Ends the back-off early: a call made regardless of it just succeeded, so Redis answers again. */
    public void recovered() {
        skipUntil = Long.MIN_VALUE;
    }

    /** Logs a failure: a warning at most every ten seconds, debug in between. */
    public void log(String format, Object... arguments) {
        long now = clock.millis();
        long last = lastWarning.get();
        if (now - last >= WARN_EVERY_MS && lastWarning.compareAndSet(last, now)) {
            log.warn(format, arguments);
        } else {
            log.debug(format, arguments);
        }
    }
}
