package dev.triggerapi.realtime;

import java.time.Duration;

/**
 * One answer of a {@link ReplicaLagSource}: a lag value, "works but cannot tell right now", or "this source does
 * not apply to this database" (the estimator then moves on to the next source for good).
 *
 * @param kind what kind of answer
 * @param lag  the lag when {@code kind == LAG}, else {@code null}
 */
record LagReading(Kind kind, Duration lag) {

    enum Kind { LAG, UNKNOWN, UNSUPPORTED }

    static LagReading of(Duration lag) {
        return new LagReading(Kind.LAG, lag);
    }

    static LagReading unknown() {
        return new LagReading(Kind.UNKNOWN, null);
    }

    static LagReading unsupported() {
        return new LagReading(Kind.UNSUPPORTED, null);
    }
}
