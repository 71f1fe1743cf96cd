package dev.triggerapi.realtime;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The gate's arithmetic: when may a batch of change records be hydrated from the replica so that the rows
 * read contain the writes the records announce?
 *
 * <p>A record whose write has already been in transit longer than the lag estimate is hydrated at once (the
 * replica should have it). The others wait together until {@code max(watermark) + lag + margin}, but never
 * longer than {@code maxWait}: past that, the tripwire (stale-row check after hydrating) takes over.
 */
final class ReadYourWritesGate {

    /**
     * @param ready   records to hydrate now
     * @param waiting records to hydrate after {@code delay}
     * @param delay   how long the waiting records wait (zero when none wait)
     */
    record Plan(List<RunChangeRecord> ready, List<RunChangeRecord> waiting, Duration delay) {
    }

    private final Duration margin;
    private final Duration maxWait;

    ReadYourWritesGate(Duration margin, Duration maxWait) {
        this.margin = margin;
        this.maxWait = maxWait;
    }

    Plan plan(List<RunChangeRecord> records, Instant now, Duration lag) {
        List<RunChangeRecord> ready = new ArrayList<>();
        List<RunChangeRecord> waiting = new ArrayList<>();
        Instant newest = null;
        for (RunChangeRecord record : records) {
            Instant watermark = record.watermark();
            Duration transit = Duration.between(watermark, now);
            if (transit.compareTo(lag) > 0) {
                ready.add(record);
            } else {
                waiting.add(record);
                newest = newest == null || watermark.isAfter(newest) ? watermark : newest;
            }
        }
        return new Plan(ready, waiting, newest == null ? Duration.ZERO : delayUntil(newest.plus(lag).plus(margin), now));
    }

    /** Wait for an initial read that must include every write committed before {@code since}. */
    Duration delaySince(Instant since, Instant now, Duration lag) {
        return delayUntil(since.plus(lag).plus(margin), now);
    }

    private Duration delayUntil(Instant deadline, Instant now) {
        Duration delay = Duration.between(now, deadline);
        if (delay.isNegative()) {
            return Duration.ZERO;
        }
        return delay.compareTo(maxWait) > 0 ? maxWait : delay;
    }
}
