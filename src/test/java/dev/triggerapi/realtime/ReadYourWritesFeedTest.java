package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.run.RunMetadataUpdater;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * The feed against the real primary, the real streaming replica with a real apply delay, and real Redis: what a
 * subscriber receives after a write contains that write. The same step protocol run on a hub without the gate
 * and tripwire shows the failure the gate exists for (every delivery one change behind), proving the test can
 * fail.
 */
@ServerIntegrationTest
class ReadYourWritesFeedTest {

    private static final Duration APPLY_DELAY = Duration.ofMillis(300);
    /** How long a step waits for its event; far above the apply delay, far below the backstop poll. */
    private static final Duration STEP_WINDOW = Duration.ofSeconds(3);

    @Autowired
    RunFeedHub hub;
    @Autowired
    RealtimeProperties settings;
    @Autowired
    RunViewReader reader;
    @Autowired
    @Qualifier("realtimeListenerContainer")
    RedisMessageListenerContainer container;
    @Autowired
    JsonMapper json;
    @Autowired
    org.springframework.data.redis.core.StringRedisTemplate redis;
    @Autowired
    RunCreator creator;
    @Autowired
    RunMetadataUpdater metadata;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    ApplicationEventPublisher events;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    ReplicaFirstReader replicaFirst;
    @Autowired
    @Qualifier("writerDataSource")
    HikariDataSource writerPool;
    @Autowired
    @Qualifier("replicaDataSource")
    HikariDataSource replicaPool;

    private ProvisionedEnvironment env;
    private TestRuns runs;
    private final List<RunFeedHub> ownHubs = new ArrayList<>();
    private final List<ExecutorService> ownExecutors = new ArrayList<>();

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        runs = new TestRuns(creator, jdbc, transactions, events);
    }

    @AfterEach
    void tearDown() {
        ownHubs.forEach(RunFeedHub::stop);
        ownExecutors.forEach(ExecutorService::shutdownNow);
    }

    // ---- the step protocol ----

    /**
     * For each step: write {@code {"step": k}} to the run's metadata, record the content of the next event the
     * subscriber gets (or -1 when none comes within the window), then wait until the replica has applied the
     * write so every step starts from the same state.
     */
    private List<Integer> stepProtocol(RunFeedHub feed, int steps) {
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":0}");
        awaitReplicaHas(run, runs.version(run));
        Cluster.replicaDelay(APPLY_DELAY);
        CollectingSink sink = new CollectingSink();
        FeedSubscription subscription = feed.subscribe(new FeedSpec.OneRun(env.environment().id(), run.id()), sink, null);
        try {
            CollectingSink.Delivery first = sink.next(Duration.ofSeconds(10));
            assertThat(first).as("initial state").isNotNull();
            assertThat(first.step()).isZero();
            assertThat(first.path()).isEqualTo(DeliveryPath.INITIAL);

            List<Integer> seen = new ArrayList<>();
            for (int k = 1; k <= steps; k++) {
                metadata.update(env.environment(), run.friendlyId(), json.readTree("{\"metadata\":{\"step\":" + k + "}}"));
                Instant written = runs.version(run);
                CollectingSink.Delivery next = sink.next(STEP_WINDOW);
                seen.add(next == null ? -1 : next.step());
                if (next != null) {
                    assertThat(next.path()).isNotEqualTo(DeliveryPath.BACKSTOP);
                }
                awaitReplicaHas(run, written);
            }
            return seen;
        } finally {
            subscription.close();
        }
    }

    @Test
    void everyUpdateIsDeliveredWithItsOwnContentWhileTheReplicaLags() {
        List<Integer> seen = stepProtocol(hub, 4);

        assertThat(seen).containsExactly(1, 2, 3, 4);
    }

    @Test
    void withoutTheGateAndTripwireEveryDeliveryIsOneChangeBehind() {
        RealtimeProperties naive = new RealtimeProperties(false,
                new RealtimeProperties.Gate(false, settings.gate().margin(), settings.gate().maxWait(),
                        settings.gate().coalesceWindow()),
                settings.replicaLag(),
                new RealtimeProperties.StaleHydrate(0, settings.staleHydrate().minDelay(), Duration.ZERO),
                settings.feed(), settings.publicTokens(), settings.shape());

        List<Integer> seen = stepProtocol(ownHub(naive, true), 4);

        // Step 1 re-reads the version the subscriber already has (nothing to send); every later step delivers
        // the previous step's content: the announced write is not on the replica yet.
        assertThat(seen).containsExactly(-1, 1, 2, 3);
    }

    @Test
    void readingFromThePrimarySkipsTheGateAndIsCurrentAtOnce() {
        RealtimeProperties fromPrimary = new RealtimeProperties(true, settings.gate(), settings.replicaLag(),
                settings.staleHydrate(), settings.feed(), settings.publicTokens(), settings.shape());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RunViewReader writerReader = new RunViewReader(jdbc, replicaFirst, json, false);

        List<Integer> seen = stepProtocol(ownHub(fromPrimary, writerReader, true, meters), 3);

        assertThat(seen).containsExactly(1, 2, 3);
        assertThat(meters.counter("realtime.stale_hydrates", "outcome", "recovered").count()
                + meters.counter("realtime.stale_hydrates", "outcome", "gave_up").count()).isZero();
    }

    @Test
    void isolatedFinalChangeArrivesThroughItsNotificationNotTheBackstop() {
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":0}");
        awaitReplicaHas(run, runs.version(run));
        CollectingSink sink = new CollectingSink();
        FeedSubscription subscription = hub.subscribe(new FeedSpec.OneRun(env.environment().id(), run.id()), sink, null);
        try {
            assertThat(sink.next(Duration.ofSeconds(10))).isNotNull();
            Cluster.replicaDelay(APPLY_DELAY);

            runs.setStatus(run, env.environment().id(), "EXECUTING");

            // Well inside the backstop's earliest run (20 s - 20 % jitter): only the notification path can deliver.
            CollectingSink.Delivery delivered = sink.next(Duration.ofSeconds(10));
            assertThat(delivered).isNotNull();
            assertThat(delivered.run().view().status()).isEqualTo("EXECUTING");
            assertThat(delivered.path()).isIn(DeliveryPath.NOTIFY, DeliveryPath.STALE_RETRY, DeliveryPath.LATE);
        } finally {
            subscription.close();
        }
    }

    @Test
    void insertTheReplicaHasNotAppliedIsRetriedNotDropped() throws Exception {
        // Gate off, tripwire on: the record is hydrated at once, before the replica can have the new run.
        RealtimeProperties tripwireOnly = new RealtimeProperties(false,
                new RealtimeProperties.Gate(false, settings.gate().margin(), settings.gate().maxWait(),
                        settings.gate().coalesceWindow()),
                settings.replicaLag(), settings.staleHydrate(), settings.feed(), settings.publicTokens(), settings.shape());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RunFeedHub feed = ownHub(tripwireOnly, true, meters);
        String tag = "fresh-" + env.environment().id();
        CollectingSink sink = new CollectingSink();
        FeedSubscription subscription = feed.subscribe(
                new FeedSpec.Tagged(env.environment().id(), List.of(tag), Instant.now().minusSeconds(60)), sink, null);
        try {
            feed.subscribed(env.environment().id()).get(10, TimeUnit.SECONDS);
            Cluster.replicaDelay(APPLY_DELAY);

            CreatedRun run = runs.create(env, List.of(tag), null, "{\"step\":7}");

            CollectingSink.Delivery delivered = sink.next(Duration.ofSeconds(10));
            assertThat(delivered).isNotNull();
            assertThat(delivered.run().runId()).isEqualTo(run.id());
            assertThat(delivered.step()).isEqualTo(7);
            assertThat(delivered.path()).isIn(DeliveryPath.STALE_RETRY, DeliveryPath.LATE);
            assertThat(meters.counter("realtime.stale_hydrates", "outcome", "recovered").count()
                    + meters.counter("realtime.stale_hydrates", "outcome", "gave_up").count()).isPositive();
        } finally {
            subscription.close();
        }
    }

    @Test
    void backstopPollDeliversAChangeWhoseNotificationWasLost() {
        RealtimeProperties.Feed fast = new RealtimeProperties.Feed(settings.feed().heartbeatInterval(), Duration.ofMillis(300),
                0.2, settings.feed().subscriberBuffer(), settings.feed().initialLimit(),
                settings.feed().tagFeedDefaultWindow(), settings.feed().resumeOverlap(),
                settings.feed().maxStreamDuration(), 2, settings.feed().deliveredVersionsLimit(),
                settings.feed().corsAllowedOrigins());
        RealtimeProperties backstopOnly = new RealtimeProperties(false, settings.gate(), settings.replicaLag(),
                settings.staleHydrate(), fast, settings.publicTokens(), settings.shape());
        RunFeedHub feed = ownHub(backstopOnly, false);
        CreatedRun run = runs.create(env, List.of(), null, null);
        CollectingSink sink = new CollectingSink();
        FeedSubscription subscription = feed.subscribe(new FeedSpec.OneRun(env.environment().id(), run.id()), sink, null);
        try {
            // The fast backstop may win the race with the initial read on a loaded machine; either way the first
            // delivery is the current state.
            assertThat(sink.next(Duration.ofSeconds(10)).path()).isIn(DeliveryPath.INITIAL, DeliveryPath.BACKSTOP);

            runs.setStatus(run, env.environment().id(), "EXECUTING");

            CollectingSink.Delivery delivered = sink.next(Duration.ofSeconds(10));
            assertThat(delivered).isNotNull();
            assertThat(delivered.run().view().status()).isEqualTo("EXECUTING");
            assertThat(delivered.path()).isEqualTo(DeliveryPath.BACKSTOP);
        } finally {
            subscription.close();
        }
    }

    @Test
    void noOpMetadataUpdateProducesNoEvent() {
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":1,\"n\":2}");
        CollectingSink sink = new CollectingSink();
        FeedSubscription subscription = hub.subscribe(new FeedSpec.OneRun(env.environment().id(), run.id()), sink, null);
        try {
            assertThat(sink.next(Duration.ofSeconds(10))).isNotNull();
            Instant before = runs.version(run);

            metadata.update(env.environment(), run.friendlyId(), json.readTree("{\"metadata\":{\"n\":2,\"step\":1}}"));
            metadata.update(env.environment(), run.friendlyId(), json.readTree("""
                    {"operations":[{"type":"increment","key":"n","value":1},{"type":"increment","key":"n","value":-1}]}"""));
            assertThat(runs.version(run)).isEqualTo(before);
            metadata.update(env.environment(), run.friendlyId(), json.readTree("{\"metadata\":{\"step\":2}}"));

            // The next event is the real change: the no-ops in front of it announced nothing.
            CollectingSink.Delivery next = sink.next(Duration.ofSeconds(10));
            assertThat(next).isNotNull();
            assertThat(next.step()).isEqualTo(2);
            assertThat(sink.all()).hasSize(2);
        } finally {
            subscription.close();
        }
    }

    // ---- helpers ----

    private RunFeedHub ownHub(RealtimeProperties properties, boolean notifications) {
        return ownHub(properties, notifications, new SimpleMeterRegistry());
    }

    /** A second hub with other settings over the same database, replica and Redis (its own estimator). */
    private RunFeedHub ownHub(RealtimeProperties properties, boolean notifications, SimpleMeterRegistry meters) {
        return ownHub(properties, reader, notifications, meters);
    }

    private RunFeedHub ownHub(RealtimeProperties properties, RunViewReader runs, boolean notifications,
                              SimpleMeterRegistry meters) {
        JdbcTemplate onReplica = new JdbcTemplate(replicaPool);
        JdbcTemplate onWriter = new JdbcTemplate(writerPool);
        ReplicaLagEstimator estimator = new ReplicaLagEstimator(properties.replicaLag(),
                List.of(AuroraReplicaLagSource.on(onReplica), PostgresReplicaLagSource.on(onReplica, onWriter)),
                Clock.systemUTC());
        ExecutorService subscriber = Executors.newSingleThreadExecutor();
        ownExecutors.add(subscriber);
        RunChangeSubscriptions changes = notifications
                ? new RedisRunChangeSubscriptions(container, redis, json, subscriber) : RunChangeSubscriptions.NONE;
        RunFeedHub feed = new RunFeedHub("test-hub", properties, runs, estimator, changes,
                properties.gate().enabled() && runs.readsFromReplica() ? ReplayFence.postgres(onWriter, onReplica)
                        : ReplayFence.NONE,
                new RealtimeMetrics(meters, Clock.systemUTC()), Clock.systemUTC(), RandomGenerator.getDefault());
        feed.start();
        ownHubs.add(feed);
        return feed;
    }

    private void awaitReplicaHas(CreatedRun run, Instant version) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            Map<String, HydratedRun> rows = reader.byIds(env.environment().id(), List.of(run.id()));
            HydratedRun row = rows.get(run.id());
            return row != null && !row.updatedAt().isBefore(version);
        });
    }
}
