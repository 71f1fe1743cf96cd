package dev.triggerapi.realtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far the read replica is behind the writer, as the feed's gate needs it.
 *
 * <ul>
 *   <li>Sources are tried in order; the first that does not answer "unsupported" is kept for good.</li>
 *   <li>Samples are taken only while feeds are active ({@link #demand()} within the idle-stop period), and at
 *       most one sample is in flight: a hanging database never piles up sampling queries.</li>
 *   <li>Estimate = the largest sample within the window, else the last known sample, else the default;
 *       floored by the transit times the tripwire observed (a row that was still stale after {@code t} proves
 *       the lag is at least {@code t}) for the floor TTL; clamped to [0, max].</li>
 * </ul>
 *
 * Time comes from the injected clock, so the rules are tested without sleeping.
 */
final class ReplicaLagEstimator {

    private static final Logger log = LoggerFactory.getLogger(ReplicaLagEstimator.class);

    private record Sample(Instant at, Duration lag) {
    }

    private final RealtimeProperties.ReplicaLag settings;
    private final List<ReplicaLagSource> sources;
    private final Clock clock;
    private final AtomicBoolean sampling = new AtomicBoolean();
    private final Deque<Sample> samples = new ArrayDeque<>();
    private final Deque<Sample> floors = new ArrayDeque<>();
    private Duration lastKnown;
    private int sourceIndex;
    private volatile ReplicaLagSource selected;
    private volatile Instant lastDemand;

    ReplicaLagEstimator(RealtimeProperties.ReplicaLag settings, List<ReplicaLagSource> sources, Clock clock) {
        this.settings = settings;
        this.sources = List.copyOf(sources);
        this.clock = clock;
    }

    /** A feed is active: keep (or start) sampling for the idle-stop period. */
    void demand() {
        lastDemand = clock.instant();
    }

    /** The estimate for a gate decision; counts as feed activity. */
    Duration estimate() {
        demand();
        return current();
    }

    /** The estimate without counting as activity (for the gauge). */
    synchronized Duration current() {
        Instant now = clock.instant();
        prune(now);
        Duration estimate = settings.defaultLag();
        if (!samples.isEmpty()) {
            estimate = samples.peekFirst().lag();
        } else if (lastKnown != null) {
            estimate = lastKnown;
        }
        if (!floors.isEmpty() && floors.peekFirst().lag().compareTo(estimate) > 0) {
            estimate = floors.peekFirst().lag();
        }
        return clamp(estimate);
    }

    /** The tripwire saw a row still stale {@code transit} after its commit: the lag is at least that. */
    synchronized void observeStale(Duration transit) {
        if (transit.isNegative()) {
            return;
        }
        pushMax(floors, new Sample(clock.instant(), clamp(transit)));
    }

    /**
     * Takes one sample if feeds are active and no other sample is in flight (called every sample interval).
     *
     * @return whether a source was asked
     */
    boolean sampleIfDue() {
        Instant demanded = lastDemand;
        if (demanded == null || Duration.between(demanded, clock.instant()).compareTo(settings.idleStop()) > 0) {
            return false;
        }
        if (!sampling.compareAndSet(false, true)) {
            return false;
        }
        try {
            LagReading reading = readSources();
            if (reading.kind() == LagReading.Kind.LAG) {
                record(reading.lag());
            }
            return true;
        } finally {
            sampling.set(false);
        }
    }

    /** The kept source's name, or {@code none} until one answered. */
    String sourceName() {
        ReplicaLagSource source = selected;
        return source == null ? "none" : source.name();
    }

    private LagReading readSources() {
        while (sourceIndex < sources.size()) {
            ReplicaLagSource source = sources.get(sourceIndex);
            LagReading reading;
            try {
                reading = source.read();
            } catch (RuntimeException e) {
                log.debug("Replica lag source {} failed: {}", source.name(), e.getMessage());
                return LagReading.unknown();
            }
            if (reading.kind() == LagReading.Kind.UNSUPPORTED) {
                sourceIndex++;
                continue;
            }
            if (selected != source) {
                selected = source;
                log.info("Replica lag source: {}", source.name());
            }
            return reading;
        }
        return LagReading.unknown();
    }

    private synchronized void record(Duration lag) {
        Duration value = clamp(lag);
        pushMax(samples, new Sample(clock.instant(), value));
        lastKnown = value;
    }

    /**
     * Sliding-window maximum: an entry that is older and not larger than a new one can never be the window's
     * maximum again, so it is dropped. The first entry is the maximum and each deque stays small.
     */
    private static void pushMax(Deque<Sample> window, Sample sample) {
        while (!window.isEmpty() && window.peekLast().lag().compareTo(sample.lag()) <= 0) {
            window.removeLast();
        }
        window.addLast(sample);
    }

    private void prune(Instant now) {
        Instant sampleCutoff = now.minus(settings.window());
        while (!samples.isEmpty() && samples.peekFirst().at().isBefore(sampleCutoff)) {
            samples.removeFirst();
        }
        Instant floorCutoff = now.minus(settings.floorTtl());
        while (!floors.isEmpty() && floors.peekFirst().at().isBefore(floorCutoff)) {
            floors.removeFirst();
        }
    }

    private Duration clamp(Duration lag) {
        if (lag.isNegative()) {
            return Duration.ZERO;
        }
        return lag.compareTo(settings.max()) > 0 ? settings.max() : lag;
    }
}
