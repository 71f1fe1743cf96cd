package dev.triggerapi.realtime;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.triggerapi.concurrent.DaemonThreads;
import org.springframework.context.SmartLifecycle;

/**
 * Drives {@link ReplicaLagEstimator#sampleIfDue()} on one dedicated thread at a fixed delay: the tick is free while
 * no feed is active, and a slow sampling query delays the next tick instead of overlapping it.
 */
final class ReplicaLagSampler implements SmartLifecycle {

    private final ReplicaLagEstimator estimator;
    private final Duration interval;
    private final boolean enabled;
    private ScheduledExecutorService thread;

    /**
     * @param enabled false when feeds read the writer: there is no lag to measure
     */
    ReplicaLagSampler(ReplicaLagEstimator estimator, Duration interval, boolean enabled) {
        this.estimator = estimator;
        this.interval = interval;
        this.enabled = enabled;
    }

    @Override
    public synchronized void start() {
        if (thread != null || !enabled) {
            return;
        }
        thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("realtime-lag-sampler"));
        long nanos = interval.toNanos();
        thread.scheduleWithFixedDelay(() -> {
            try {
                estimator.sampleIfDue();
            } catch (RuntimeException e) {
                // The estimator treats failures as "unknown"; never let one end the schedule.
            }
        }, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void stop() {
        if (thread != null) {
            thread.shutdownNow();
            thread = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return thread != null;
    }
}
