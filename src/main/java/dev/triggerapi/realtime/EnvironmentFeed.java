package dev.triggerapi.realtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The live subscriptions of one environment, its Redis subscription and its coalescing window: records wake the
 * environment on the leading edge, and at most one trailing wake follows per window, carrying the latest record
 * per run. It also holds the runs the {@link StaleReadTripwire} still re-reads late, so they end with it.
 */
final class EnvironmentFeed {

    private final String environmentId;
    private final Set<FeedSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final RunChangeSubscriptions.Handle handle;
    private final Map<String, StaleReadTripwire.LateRun> late = new ConcurrentHashMap<>();
    private final Map<String, RunChangeRecord> pending = new LinkedHashMap<>();
    private final Duration coalesceWindow;
    private final FeedScheduler scheduler;
    private final BiConsumer<EnvironmentFeed, List<RunChangeRecord>> wake;
    private boolean windowOpen;
    private volatile boolean closed;

    /**
     * @param records        receives the environment's change records (the hub routes them back to
     *                       {@link #coalesce})
     * @param coalesceWindow how long records collect after a wake before the trailing one
     * @param wake           what a wake does with its records
     */
    EnvironmentFeed(String environmentId, RunChangeSubscriptions changes, Consumer<RunChangeRecord> records,
                    Duration coalesceWindow, FeedScheduler scheduler,
                    BiConsumer<EnvironmentFeed, List<RunChangeRecord>> wake) {
        this.environmentId = environmentId;
        this.coalesceWindow = coalesceWindow;
        this.scheduler = scheduler;
        this.wake = wake;
        this.handle = changes.subscribe(environmentId, records);
    }

    String environmentId() {
        return environmentId;
    }

    Set<FeedSubscription> subscriptions() {
        return subscriptions;
    }

    /** Completes once change records of the environment reach this instance. */
    CompletableFuture<Void> ready() {
        return handle.ready();
    }

    boolean isClosed() {
        return closed;
    }

    /** Runs being re-read after the tripwire's retries ran out, by run id. */
    Map<String, StaleReadTripwire.LateRun> late() {
        return late;
    }

    /** A newer record supersedes a run's late re-reads: it goes through the whole pipeline itself. */
    void supersedeLate(RunChangeRecord record) {
        late.computeIfPresent(record.runId(),
                (id, run) -> run.record().watermarkMicros() <= record.watermarkMicros() ? null : run);
    }

    /** Leading edge wakes at once; within the window records collect (latest per run) for one trailing wake. */
    void coalesce(RunChangeRecord record) {
        List<RunChangeRecord> wakeNow = null;
        synchronized (this) {
            pending.merge(record.runId(), record, RunChangeRecord::latest);
            if (!windowOpen) {
                windowOpen = true;
                wakeNow = takePending();
                scheduler.later(coalesceWindow, this::windowEnd);
            }
        }
        if (wakeNow != null) {
            wake.accept(this, wakeNow);
        }
    }

    private void windowEnd() {
        List<RunChangeRecord> trailing;
        synchronized (this) {
            if (pending.isEmpty()) {
                windowOpen = false;
                return;
            }
            trailing = takePending();
            scheduler.later(coalesceWindow, this::windowEnd);
        }
        wake.accept(this, trailing);
    }

    private List<RunChangeRecord> takePending() {
        List<RunChangeRecord> taken = new ArrayList<>(pending.values());
        pending.clear();
        return taken;
    }

    /** With only one-run subscriptions, records of other runs need no read at all. */
    List<RunChangeRecord> relevant(List<RunChangeRecord> records) {
        Set<String> runIds = new HashSet<>();
        for (FeedSubscription subscription : subscriptions) {
            if (!(subscription.spec() instanceof FeedSpec.OneRun one)) {
                return records;
            }
            runIds.add(one.runId());
        }
        return records.stream().filter(r -> runIds.contains(r.runId())).toList();
    }

    /** Offers a hydrated row to every subscription whose feed it belongs to. */
    void deliver(HydratedRun row, DeliveryPath path) {
        for (FeedSubscription subscription : subscriptions) {
            if (subscription.spec().matches(row)) {
                subscription.offer(row, path);
            }
        }
    }

    void close() {
        closed = true;
        late.clear();
        handle.close();
    }
}
