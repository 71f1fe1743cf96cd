package dev.triggerapi.realtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The feed's meters. Labels are bounded: {@code outcome} (recovered | gave_up) and {@code path} (a
 * {@link DeliveryPath}); never ids.
 *
 * <ul>
 *   <li>{@code realtime.stale_hydrates{outcome}}: change records whose first hydration was stale, by how they ended</li>
 *   <li>{@code realtime.replica_lag_estimate_ms}: the estimator's current estimate</li>
 *   <li>{@code realtime.delivery.lag{path}}: commit (row version) to written-to-subscriber, histogram</li>
 *   <li>{@code realtime.active_subscriptions}: live subscriptions on this instance</li>
 *   <li>{@code realtime.subscriber_resyncs}: buffers dropped because a subscriber was too slow</li>
 *   <li>{@code realtime.publish_failures}: change records that could not be published (write still succeeded)</li>
 *   <li>{@code realtime.hydrations}: reads of changed runs issued by the feed (gate, tripwire and late re-reads)</li>
 *   <li>{@code realtime.shape.held}: shape-stream polls held open on this instance</li>
 *   <li>{@code realtime.shape.sessions}: shape-stream handles (sessions) live on this instance</li>
 *   <li>{@code realtime.shape.answers{outcome}}: shape-stream answers by outcome (snapshot | changes | timeout |
 *       refetch | rejected | unavailable)</li>
 *   <li>{@code realtime.shape.delivery.lag}: row version (commit) to the answer carrying it, histogram</li>
 *   <li>{@code realtime.shape.adopted}: handles adopted from another instance or before a restart</li>
 * </ul>
 * Stale hydrates, hydrations and resyncs are the engine's and cover both wire formats.
 */
final class RealtimeMetrics {

    private final Clock clock;
    private final Counter recovered;
    private final Counter gaveUp;
    private final Counter resyncs;
    private final Counter publishFailures;
    private final Counter hydrations;
    private final Map<DeliveryPath, Timer> deliveryLag = new EnumMap<>(DeliveryPath.class);
    private final MeterRegistry registry;
    /** Keys are the fixed outcome names of {@link ShapeStreamProtocol}: bounded. */
    private final Map<String, Counter> shapeAnswers = new java.util.concurrent.ConcurrentHashMap<>();
    private final Timer shapeLag;
    private final Counter shapeAdopted;

    RealtimeMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        this.recovered = Counter.builder("realtime.stale_hydrates").tag("outcome", "recovered")
                .description("Change records hydrated stale at first, by outcome").register(registry);
        this.gaveUp = Counter.builder("realtime.stale_hydrates").tag("outcome", "gave_up")
                .description("Change records hydrated stale at first, by outcome").register(registry);
        this.resyncs = Counter.builder("realtime.subscriber_resyncs")
                .description("Subscriber buffers dropped and resynchronised because the client was too slow")
                .register(registry);
        this.publishFailures = Counter.builder("realtime.publish_failures")
                .description("Run change records that could not be published").register(registry);
        this.hydrations = Counter.builder("realtime.hydrations")
                .description("Reads of changed runs issued by the realtime feed").register(registry);
        this.shapeLag = Timer.builder("realtime.shape.delivery.lag")
                .description("Run version commit to the shape-stream answer carrying it")
                .publishPercentileHistogram().register(registry);
        this.shapeAdopted = Counter.builder("realtime.shape.adopted")
                .description("Shape-stream handles adopted from another instance or an earlier process")
                .register(registry);
        for (DeliveryPath path : DeliveryPath.values()) {
            if (path.changeDriven()) {
                deliveryLag.put(path, Timer.builder("realtime.delivery.lag").tag("path", path.label())
                        .description("Run version commit to delivery to a subscriber")
                        .publishPercentileHistogram().register(registry));
            }
        }
    }

    /*
     * Gauges keep their state object strongly: Micrometer holds it only weakly by default, and the suppliers passed
     * here are method references nothing else keeps, so the first collection turned every gauge into NaN (the
     * shape bench read NaN as "0 held").
     */
    void gauges(Supplier<Number> activeSubscriptions, Supplier<Duration> lagEstimate) {
        Gauge.builder("realtime.active_subscriptions", activeSubscriptions, s -> s.get().doubleValue())
                .strongReference(true)
                .description("Live realtime subscriptions on this instance").register(registry);
        Gauge.builder("realtime.replica_lag_estimate_ms", lagEstimate, e -> e.get().toNanos() / 1_000_000d)
                .strongReference(true)
                .description("Current replica lag estimate used by the realtime gate").register(registry);
    }

    void shapeGauges(Supplier<Number> held, Supplier<Number> sessions) {
        Gauge.builder("realtime.shape.held", held, s -> s.get().doubleValue())
                .strongReference(true)
                .description("Shape-stream polls held open on this instance").register(registry);
        Gauge.builder("realtime.shape.sessions", sessions, s -> s.get().doubleValue())
                .strongReference(true)
                .description("Shape-stream sessions live on this instance").register(registry);
    }

    void shapeAnswered(String outcome) {
        shapeAnswers.computeIfAbsent(outcome, o -> Counter.builder("realtime.shape.answers").tag("outcome", o)
                .description("Shape-stream answers by outcome").register(registry)).increment();
    }

    void shapeDelivered(Duration lag) {
        shapeLag.record(lag.isNegative() ? Duration.ZERO : lag);
    }

    void shapeAdopted() {
        shapeAdopted.increment();
    }

    void staleRecovered() {
        recovered.increment();
    }

    void staleGaveUp() {
        gaveUp.increment();
    }

    void subscriberResync() {
        resyncs.increment();
    }

    void hydrated() {
        hydrations.increment();
    }

    void publishFailed() {
        publishFailures.increment();
    }

    void delivered(DeliveryPath path, Instant version) {
        Timer timer = deliveryLag.get(path);
        if (timer != null) {
            Duration lag = Duration.between(version, clock.instant());
            timer.record(lag.isNegative() ? Duration.ZERO : lag);
        }
    }
}
