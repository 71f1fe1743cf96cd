package dev.triggerapi.schedule;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@code schedules.fired{outcome}} (created, duplicate, retry, failed) and {@code schedules.lag}, the time from a
 * schedule's instant to its run's creation. Outcomes are a fixed set, so labels stay bounded.
 */
class ScheduleMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> fired = new ConcurrentHashMap<>();
    private final Timer lag;

    ScheduleMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.lag = Timer.builder("schedules.lag")
                .description("Time from a schedule's due instant to the creation of its run")
                .publishPercentileHistogram()
                .register(registry);
        for (String outcome : new String[] {"created", "duplicate", "retry", "failed"}) {
            fired(outcome, 0);
        }
    }

    void fired(String outcome) {
        fired(outcome, 1);
    }

    private void fired(String outcome, int count) {
        fired.computeIfAbsent(outcome, o -> Counter.builder("schedules.fired")
                .description("Schedule fires by outcome: created a run, found the instant's run already there "
                        + "(duplicate), stopped by a database error (retry), or failed and skipped")
                .tag("outcome", o).register(registry)).increment(count);
    }

    void lag(Duration duration) {
        lag.record(duration.isNegative() ? Duration.ZERO : duration);
    }
}
