package dev.triggerapi.realtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a wake's runs and delivers only what is current. A hydrated row that is missing or older than its
 * record's watermark is withheld, its transit time floors the lag estimate, and it is re-read after about the lag,
 * a few times. When the retries run out, what the replica has is delivered (liveness) and the run keeps being
 * re-read for a while ("late" re-reads) so the fresh version still goes out as soon as the replica has it, rather
 * than at the next backstop.
 */
final class StaleReadTripwire {

    private static final Logger log = LoggerFactory.getLogger(StaleReadTripwire.class);

    private final RealtimeProperties.StaleHydrate settings;
    private final RunViewReader reader;
    private final ReplicaLagEstimator estimator;
    private final RealtimeMetrics metrics;
    private final Clock clock;
    private final FeedScheduler scheduler;

    StaleReadTripwire(RealtimeProperties.StaleHydrate settings, RunViewReader reader, ReplicaLagEstimator estimator,
                      RealtimeMetrics metrics, Clock clock, FeedScheduler scheduler) {
        this.settings = settings;
        this.reader = reader;
        this.estimator = estimator;
        this.metrics = metrics;
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /** Reads the records' runs and delivers the fresh ones; the stale ones are re-read. */
    void hydrate(EnvironmentFeed env, List<RunChangeRecord> records) {
        hydrate(env, records, 0);
    }

    private void hydrate(EnvironmentFeed env, List<RunChangeRecord> records, int attempt) {
        if (env.isClosed()) {
            return;
        }
        Map<String, HydratedRun> rows;
        boolean readFailed = false;
        try {
            metrics.hydrated();
            rows = reader.byIds(env.environmentId(), records.stream().map(RunChangeRecord::runId).toList());
        } catch (RuntimeException e) {
            log.warn("Realtime hydration failed: {}", e.getMessage());
            rows = Map.of();
            readFailed = true;
        }
        Instant now = clock.instant();
        List<RunChangeRecord> stale = new ArrayList<>();
        for (RunChangeRecord record : records) {
            HydratedRun row = rows.get(record.runId());
            if (isFresh(row, record)) {
                if (attempt > 0) {
                    metrics.staleRecovered();
                }
                env.deliver(row, attempt == 0 ? DeliveryPath.NOTIFY : DeliveryPath.STALE_RETRY);
                continue;
            }
            if (!readFailed) {
                // Still not applied this long after the commit: the lag is at least that.
                estimator.observeStale(Duration.between(record.watermark(), now));
            }
            if (attempt < settings.retries()) {
                stale.add(record);
                continue;
            }
            metrics.staleGaveUp();
            if (row != null) {
                env.deliver(row, DeliveryPath.NOTIFY);
            }
            watchLate(env, record);
        }
        if (!stale.isEmpty()) {
            scheduler.later(retryDelay(), () -> hydrate(env, stale, attempt + 1));
        }
    }

    private static boolean isFresh(HydratedRun row, RunChangeRecord record) {
        return row != null && !row.updatedAt().isBefore(record.watermark());
    }

    /** After the retries ran out: keep re-reading the run for a while so the fresh version is not left to the backstop. */
    private void watchLate(EnvironmentFeed env, RunChangeRecord record) {
        Duration window = settings.rehydrateWindow();
        if (window.isZero() || window.isNegative()) {
            return;
        }
        LateRun late = new LateRun(record, clock.instant().plus(window));
        LateRun previous = env.late().putIfAbsent(record.runId(), late);
        if (previous == null) {
            scheduler.later(retryDelay(), () -> rehydrateLate(env, record.runId()));
        } else if (previous.record().watermarkMicros() < record.watermarkMicros()) {
            env.late().replace(record.runId(), previous, late);
        }
    }

    private void rehydrateLate(EnvironmentFeed env, String runId) {
        LateRun late = env.late().get(runId);
        if (late == null || env.isClosed()) {
            return;
        }
        HydratedRun row = null;
        try {
            metrics.hydrated();
            row = reader.byIds(env.environmentId(), List.of(runId)).get(runId);
        } catch (RuntimeException e) {
            log.debug("Late re-read of a run failed: {}", e.getMessage());
        }
        if (isFresh(row, late.record())) {
            env.late().remove(runId, late);
            env.deliver(row, DeliveryPath.LATE);
            return;
        }
        if (clock.instant().isAfter(late.until())) {
            env.late().remove(runId, late);
            return;
        }
        scheduler.later(retryDelay(), () -> rehydrateLate(env, runId));
    }

    /** How long before a stale read is tried again: about the replica lag, at least {@code minDelay}. */
    Duration retryDelay() {
        Duration min = settings.minDelay();
        Duration lag = estimator.estimate();
        return lag.compareTo(min) > 0 ? lag : min;
    }

    /**
     * @param record the newest record whose run is being re-read late
     * @param until  stop re-reading after this instant
     */
    record LateRun(RunChangeRecord record, Instant until) {
    }
}
