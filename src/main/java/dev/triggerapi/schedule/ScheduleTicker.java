package dev.triggerapi.schedule;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.triggerapi.concurrent.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Ticks the {@link ScheduleFirer} on this instance. Every instance may run one: claims are
 * {@code FOR UPDATE SKIP LOCKED}, so there is no leader to elect and no instance waits for another.
 */
class ScheduleTicker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ScheduleTicker.class);

    private final ScheduleFirer firer;
    private final ScheduleProperties settings;
    private ScheduledExecutorService executor;

    ScheduleTicker(ScheduleFirer firer, ScheduleProperties settings) {
        this.firer = firer;
        this.settings = settings;
    }

    private void tick() {
        try {
            firer.fireDue(settings.maxFiresPerTick());
        } catch (RuntimeException e) {
            // The next tick retries; nothing may kill the schedule.
            log.warn("Scheduler tick failed: {}", e.getMessage());
        }
    }

    @Override
    public synchronized void start() {
        if (!settings.schedulerEnabled() || executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("scheduler"));
        long interval = settings.tickInterval().toMillis();
        executor.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (executor == null) {
            return;
        }
        executor.shutdown();
        try {
            // A fire in progress commits or rolls back whole; waiting lets it commit rather than be retried.
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return executor != null;
    }
}
