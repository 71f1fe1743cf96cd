package dev.triggerapi.realtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

import dev.triggerapi.concurrent.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The instance's realtime engine: routes change records to the subscriptions of their environment and decides
 * when to read the changed runs so that what subscribers receive is current.
 *
 * <p>Per environment with live subscribers (and only those: the Redis channel is subscribed on the first
 * subscriber and dropped with the last):
 * <ol>
 *   <li><b>Coalescing:</b> records wake the environment on the leading edge, and at most one trailing wake
 *       follows per window, carrying the latest record per run.</li>
 *   <li><b>Gate:</b> a wake's records are hydrated from the replica only after
 *       {@code max(watermark) + lagEstimate + margin} (capped), so the replica has applied the announced
 *       writes; a record already longer than the lag in transit is hydrated at once.</li>
 *   <li><b>Tripwire:</b> a hydrated row that is missing or older than its record's watermark is withheld, its
 *       transit time floors the lag estimate, and it is re-read after about the lag, a few times. When the
 *       retries run out, what the replica has is delivered (liveness) and the run keeps being re-read for a
 *       while so the fresh version still goes out as soon as the replica has it.</li>
 *   <li><b>Backstop:</b> every subscription re-reads its runs every ~20 s (jittered), covering lost
 *       notifications.</li>
 * </ol>
 * Deliveries go through each {@link FeedSubscription}, which never sends a version twice or out of order.
 * Database reads run on a small worker pool; waits are timer schedules, so no thread or connection is held
 * while waiting.
 *
 * <p>The hub keeps the registry of environments and subscriptions, the gate, the whole-feed reads (initial
 * state, backstop, resync), heartbeats and the threads; one environment's subscriptions and coalescing are an
 * {@link EnvironmentFeed}, the tripwire and the late re-reads are the {@link StaleReadTripwire}.
 */
final class RunFeedHub implements SmartLifecycle, FeedSubscription.Host, FeedScheduler {

    private static final Logger log = LoggerFactory.getLogger(RunFeedHub.class);
    /** How long a new subscription waits for its Redis subscription before reading its initial state anyway. */
    private static final Duration SUBSCRIBE_WAIT = Duration.ofSeconds(11);

    private final RealtimeProperties settings;
    private final RunViewReader reader;
    private final ReplicaLagEstimator estimator;
    private final RunChangeSubscriptions changes;
    private final StaleReadTripwire tripwire;
    private final ReplayFence fence;
    private final RealtimeMetrics metrics;
    private final Clock clock;
    private final RandomGenerator random;
    private final ReadYourWritesGate gate;
    private final boolean gated;
    private final Map<String, EnvironmentFeed> environments = new HashMap<>();
    private final Map<Long, ScheduledFuture<?>> backstops = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final String name;
    private volatile ScheduledExecutorService timer;
    private volatile ExecutorService workers;
    private volatile boolean running;

    RunFeedHub(String name, RealtimeProperties settings, RunViewReader reader, ReplicaLagEstimator estimator,
               RunChangeSubscriptions changes, ReplayFence fence, RealtimeMetrics metrics, Clock clock,
               RandomGenerator random) {
        this.name = name;
        this.settings = settings;
        this.reader = reader;
        this.estimator = estimator;
        this.changes = changes;
        this.fence = fence;
        this.metrics = metrics;
        this.clock = clock;
        this.random = random;
        this.gate = new ReadYourWritesGate(settings.gate().margin(), settings.gate().maxWait());
        this.tripwire = new StaleReadTripwire(settings.staleHydrate(), reader, estimator, metrics, clock, this);
        // Reading the writer sees every committed write: nothing to wait for.
        this.gated = settings.gate().enabled() && reader.readsFromReplica();
    }

    // ---- subscriptions ------------------------------------------------------------------------------------

    /**
     * Starts a subscription: its current state is read (after the Redis subscription is confirmed and the
     * gate passed) and sent first; every later change follows.
     *
     * @param resumeFloor from {@code Last-Event-ID}: versions at or before it are not sent again; null = fresh
     */
    FeedSubscription subscribe(FeedSpec spec, EventSink sink, Instant resumeFloor) {
        if (!running) {
            throw new IllegalStateException("The realtime feed is not running");
        }
        FeedSubscription subscription = new FeedSubscription(spec, sink, this, resumeFloor,
                settings.feed().subscriberBuffer(), settings.feed().deliveredVersionsLimit());
        EnvironmentFeed env;
        synchronized (environments) {
            env = environments.computeIfAbsent(spec.environmentId(), id -> new EnvironmentFeed(id, changes,
                    this::onRecord, settings.gate().coalesceWindow(), this, this::wake));
            env.subscriptions().add(subscription);
        }
        active.incrementAndGet();
        if (gated) {
            estimator.demand();
        }
        env.ready().copy().completeOnTimeout(null, SUBSCRIBE_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ok, error) -> execute(() -> startInitial(subscription)));
        scheduleBackstop(subscription);
        return subscription;
    }

    /** Completes once change records of the environment reach this hub (or right away when none subscribes it). */
    CompletableFuture<Void> subscribed(String environmentId) {
        synchronized (environments) {
            EnvironmentFeed env = environments.get(environmentId);
            return env == null ? CompletableFuture.completedFuture(null) : env.ready();
        }
    }

    /** Live subscriptions on this hub. */
    int activeSubscriptions() {
        return active.get();
    }

    /** Subscriptions currently holding undelivered versions for a slow client (for tests and diagnostics). */
    List<FeedSubscription> backedUpSubscriptions() {
        List<FeedSubscription> backedUp = new ArrayList<>();
        synchronized (environments) {
            for (EnvironmentFeed env : environments.values()) {
                env.subscriptions().stream().filter(FeedSubscription::backedUp).forEach(backedUp::add);
            }
        }
        return backedUp;
    }

    @Override
    public RealtimeMetrics metrics() {
        return metrics;
    }

    @Override
    public void closed(FeedSubscription subscription) {
        ScheduledFuture<?> backstop = backstops.remove(subscription.id());
        if (backstop != null) {
            backstop.cancel(false);
        }
        synchronized (environments) {
            EnvironmentFeed env = environments.get(subscription.spec().environmentId());
            if (env == null || !env.subscriptions().remove(subscription)) {
                return;
            }
            active.decrementAndGet();
            if (env.subscriptions().isEmpty()) {
                environments.remove(env.environmentId());
                env.close();
            }
        }
    }

    @Override
    public void resync(FeedSubscription subscription) {
        execute(() -> readFeed(subscription, DeliveryPath.RESYNC));
    }

    // ---- change records -----------------------------------------------------------------------------------

    private void onRecord(RunChangeRecord record) {
        EnvironmentFeed env;
        synchronized (environments) {
            env = environments.get(record.environmentId());
        }
        if (env != null) {
            env.coalesce(record);
        }
    }

    /** One wake of an environment: gate the records, then hydrate them. */
    private void wake(EnvironmentFeed env, List<RunChangeRecord> records) {
        List<RunChangeRecord> relevant = env.relevant(records);
        if (relevant.isEmpty()) {
            return;
        }
        relevant.forEach(env::supersedeLate);
        if (!gated) {
            execute(() -> tripwire.hydrate(env, relevant));
            return;
        }
        ReadYourWritesGate.Plan plan = gate.plan(relevant, clock.instant(), estimator.estimate());
        if (!plan.ready().isEmpty()) {
            execute(() -> tripwire.hydrate(env, plan.ready()));
        }
        if (!plan.waiting().isEmpty()) {
            later(plan.delay(), () -> tripwire.hydrate(env, plan.waiting()));
        }
    }

    // ---- whole-feed reads: initial state, backstop, resync -------------------------------------------------

    /**
     * From now on every write reaches the subscription as a change record; every write committed before now must
     * be in its initial read. So the replica is read once it has replayed the writer's current WAL position (and
     * the time gate passed); past the gate's cap it is read anyway, and read again once it caught up.
     */
    private void startInitial(FeedSubscription subscription) {
        if (!gated) {
            readFeed(subscription, DeliveryPath.INITIAL);
            return;
        }
        Instant start = clock.instant();
        Optional<String> position;
        try {
            position = fence.capture();
        } catch (RuntimeException e) {
            position = Optional.empty();
        }
        Optional<String> writerPosition = position;
        later(gate.delaySince(start, start, estimator.estimate()),
                () -> initialOnceReplayed(subscription, writerPosition, start, false));
    }

    private void initialOnceReplayed(FeedSubscription subscription, Optional<String> position, Instant start,
                                     boolean alreadyRead) {
        if (subscription.isClosed()) {
            return;
        }
        boolean replayed = true;
        if (position.isPresent()) {
            try {
                replayed = fence.reached(position.get());
            } catch (RuntimeException e) {
                log.debug("Replay fence check failed: {}", e.getMessage());
            }
        }
        Duration waited = Duration.between(start, clock.instant());
        if (replayed) {
            readFeed(subscription, DeliveryPath.INITIAL);
            return;
        }
        if (!alreadyRead && waited.compareTo(settings.gate().maxWait()) >= 0) {
            // Liveness over freshness: send what the replica has, and the rest once it caught up.
            readFeed(subscription, DeliveryPath.INITIAL);
            alreadyRead = true;
        }
        if (waited.compareTo(settings.gate().maxWait().plus(settings.staleHydrate().rehydrateWindow())) >= 0) {
            return;
        }
        boolean read = alreadyRead;
        later(tripwire.retryDelay(), () -> initialOnceReplayed(subscription, position, start, read));
    }

    private void readFeed(FeedSubscription subscription, DeliveryPath path) {
        if (subscription.isClosed()) {
            return;
        }
        FeedSpec spec = subscription.spec();
        int limit = settings.feed().initialLimit();
        try {
            // A one-run feed reads its row unfiltered: whether the replica has it at all decides the fallback.
            Instant updatedAfter = spec.singleRun() ? null : subscription.resumeFloor();
            List<HydratedRun> rows = reader.feed(spec, updatedAfter, limit);
            if (rows.isEmpty() && spec.singleRun() && reader.readsFromReplica()) {
                // The run exists (checked at subscribe), the replica just has not applied its insert yet.
                rows = reader.feedOnWriter(spec, null, limit);
            }
            rows.stream().sorted(Comparator.comparing(HydratedRun::updatedAt))
                    .forEach(row -> subscription.offer(row, path));
            if (path == DeliveryPath.INITIAL) {
                subscription.initialRead();
            }
        } catch (RuntimeException e) {
            log.warn("Realtime feed read ({}) failed: {}", path.label(), e.getMessage());
        }
    }

    private void scheduleBackstop(FeedSubscription subscription) {
        Duration interval = settings.feed().backstopInterval();
        double jitter = settings.feed().backstopJitter();
        long delay = Math.max(1, Math.round(interval.toNanos() * (1 + jitter * (2 * random.nextDouble() - 1))));
        ScheduledExecutorService scheduler = timer;
        if (scheduler == null || !running || subscription.isClosed()) {
            return;
        }
        try {
            backstops.put(subscription.id(), scheduler.schedule(() -> execute(() -> {
                readFeed(subscription, DeliveryPath.BACKSTOP);
                scheduleBackstop(subscription);
            }), delay, TimeUnit.NANOSECONDS));
        } catch (RejectedExecutionException stopping) {
            return;
        }
        if (subscription.isClosed()) {
            ScheduledFuture<?> future = backstops.remove(subscription.id());
            if (future != null) {
                future.cancel(false);
            }
        }
    }

    private void heartbeats() {
        List<FeedSubscription> all = new ArrayList<>();
        synchronized (environments) {
            environments.values().forEach(env -> all.addAll(env.subscriptions()));
        }
        if (!all.isEmpty() && gated) {
            estimator.demand();
        }
        all.forEach(FeedSubscription::heartbeat);
    }

    // ---- scheduling ---------------------------------------------------------------------------------------

    @Override
    public void execute(Runnable task) {
        ExecutorService pool = workers;
        if (pool == null || !running) {
            return;
        }
        try {
            pool.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("Realtime task failed", e);
                }
            });
        } catch (RejectedExecutionException stopping) {
            // Shutting down.
        }
    }

    @Override
    public void later(Duration delay, Runnable task) {
        if (delay.isZero() || delay.isNegative()) {
            execute(task);
            return;
        }
        ScheduledExecutorService scheduler = timer;
        if (scheduler == null || !running) {
            return;
        }
        try {
            scheduler.schedule(() -> execute(task), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            // Shutting down.
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------------------------

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.numbered(name + "-timer"));
        workers = Executors.newFixedThreadPool(settings.feed().hydrateThreads(), DaemonThreads.numbered(name + "-worker"));
        running = true;
        long heartbeat = settings.feed().heartbeatInterval().toNanos();
        timer.scheduleAtFixedRate(() -> execute(this::heartbeats), heartbeat, heartbeat, TimeUnit.NANOSECONDS);
    }

    /** Ends every stream (so graceful shutdown does not wait for them) and stops the threads. */
    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        List<FeedSubscription> all = new ArrayList<>();
        synchronized (environments) {
            environments.values().forEach(env -> all.addAll(env.subscriptions()));
        }
        all.forEach(FeedSubscription::close);
        running = false;
        timer.shutdownNow();
        workers.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

}
