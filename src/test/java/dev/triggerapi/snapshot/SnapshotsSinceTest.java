package dev.triggerapi.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.api.ApiException;
import dev.triggerapi.datasource.ReplicaCircuitBreaker;
import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunAction;
import dev.triggerapi.run.RunActionResult;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.run.RunEngine;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import dev.triggerapi.support.TestRuns;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Snapshots-since against the real primary and streaming replica, with real replica lag. Reader-level tests
 * build the reader over counting wrappers of the real pools, to prove which server answered and that no
 * connection is held while a retry waits.
 */
@IntegrationTest
class SnapshotsSinceTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    JsonMapper json;
    @Autowired
    MeterRegistry meters;
    @Autowired
    RunCreator creator;
    @Autowired
    RunEngine engine;
    @Autowired
    SnapshotAppender appender;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactionManager;
    @Autowired
    @Qualifier("writerDataSource")
    HikariDataSource writerPool;
    @Autowired
    @Qualifier("replicaDataSource")
    HikariDataSource replicaPool;

    /** The readers' own breaker: opening it must not move the rest of the application's reads. */
    private final ReplicaCircuitBreaker breaker = new ReplicaCircuitBreaker(Clock.systemUTC());
    private ProvisionedEnvironment env;
    private ProvisionedWorkerGroup workerGroup;
    private CountingDataSource replica;
    private CountingDataSource writer;
    private SnapshotsSinceReader reader;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        workerGroup = TestData.workerGroup(provisioning);
        replica = new CountingDataSource(replicaPool);
        writer = new CountingDataSource(writerPool);
    }

    @AfterEach
    void closeReader() {
        if (reader != null) {
            reader.close();
        }
    }

    private SnapshotsSinceReader reader(Boolean replicaEnabled, long minMs, long maxMs, int limit, DataSource replicaSource,
                                        MeterRegistry registry) {
        reader = new SnapshotsSinceReader(replicaSource, writer,
                new SnapshotsSinceProperties(replicaEnabled, minMs, maxMs, limit, 1),
                Executors.newSingleThreadScheduledExecutor(), new Random(),
                new ReplicaFirstReader(transactionManager, breaker, registry), registry);
        return reader;
    }

    private static double misses(MeterRegistry registry, String outcome) {
        var counter = registry.find(SnapshotsSinceReader.MISS_COUNTER).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    /** A run that a runner has dequeued and started: snapshots 1 (QUEUED), 2 (PENDING_EXECUTING), 3 (EXECUTING). */
    private record StartedRun(CreatedRun created, RunActionResult dequeued, RunActionResult started) {
    }

    private StartedRun startedRun() {
        CreatedRun created = creator.create(TestRuns.run(env.environment().id(), "polled").build());
        List<RunActionResult> dequeued = engine.dequeue(workerGroup.id(), env.environment().id(), 1);
        assertThat(dequeued).hasSize(1);
        RunActionResult started = engine.startAttempt(new RunAction(workerGroup.id(), env.environment().id(),
                created.friendlyId(), dequeued.get(0).snapshot().id()));
        return new StartedRun(created, dequeued.get(0), started);
    }

    private void awaitOnReplica(String snapshotId) {
        JdbcClient onReplica = JdbcClient.create(replicaPool);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                onReplica.sql("SELECT count(*) FROM execution_snapshots WHERE id = ?").param(snapshotId)
                        .query(Integer.class).single() == 1);
    }

    private String latestSnapshot(String runId) {
        return jdbc.sql("SELECT latest_snapshot_id FROM task_runs WHERE id = ?").param(runId).query(String.class).single();
    }

    private void awaitOnReplicaCreatedAt(String runId, Instant base) {
        JdbcClient onReplica = JdbcClient.create(replicaPool);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                onReplica.sql("SELECT count(*) FROM execution_snapshots WHERE run_id = ? AND created_at <= ?")
                        .params(runId, Timestamp.from(base)).query(Integer.class).single() == 7);
    }

    /**
     * Two snapshots committed together on a run the replica already has: the first is the anchor a runner
     * "just heard about", the second what it should be told. One commit, so the replica applies both at once.
     */
    private List<ExecutionSnapshot> freshPair(CreatedRun run) {
        return new TransactionTemplate(transactionManager).execute(s -> {
            // The embedded primary runs with synchronous_commit = off, which lets a commit's WAL wait for the
            // WAL writer (up to ~200 ms) before it streams. Flushing this commit at once leaves the apply
            // delay the test sets as the only lag.
            jdbc.sql("SET LOCAL synchronous_commit = on").update();
            return List.of(
                    appender.append(run.id(), env.environment().id(), ExecutionStatus.EXECUTING, "EXECUTING", "progress 1", 1),
                    appender.append(run.id(), env.environment().id(), ExecutionStatus.EXECUTING, "EXECUTING", "progress 2", 1));
        });
    }

    /**
     * Makes the replica lag and waits until it does: the standby picks up the new setting on its reload, so
     * a sentinel commit must be seen missing there before the test's own commits count as lagging.
     */
    private void lagReplica(Duration delay) {
        Cluster.replicaDelay(delay);
        JdbcClient onReplica = JdbcClient.create(replicaPool);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            String slug = "lag-sentinel-" + Ids.newId();
            jdbc.sql("INSERT INTO organizations (id, slug, title) VALUES (?, ?, 'sentinel')").params(Ids.newId(), slug).update();
            Thread.sleep(30); // far longer than streaming takes here, far shorter than any delay the tests set
            return onReplica.sql("SELECT count(*) FROM organizations WHERE slug = ?").param(slug)
                    .query(Integer.class).single() == 0;
        });
    }

    private CreatedRun runOnReplica() {
        CreatedRun run = creator.create(TestRuns.run(env.environment().id(), "lagging").build());
        awaitOnReplica(run.snapshotId());
        return run;
    }

    private MvcResult poll(String runFriendlyId, String snapshotId, String scope) throws Exception {
        var request = get("/engine/v1/worker-actions/runs/" + runFriendlyId + "/snapshots/since/" + snapshotId)
                .header("Authorization", "Bearer " + workerGroup.token())
                .header("Content-Type", "application/json");
        if (scope != null) {
            request.header("x-trigger-worker-environment-id", scope);
        }
        MvcResult started = mvc.perform(request).andReturn();
        assertThat(started.getRequest().isAsyncStarted()).as("the poll answers asynchronously").isTrue();
        return mvc.perform(asyncDispatch(started)).andReturn();
    }

    /** A loopback port nothing listens on: connecting is refused at once. */
    private static int closedPort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private JsonNode body(MvcResult result) throws Exception {
        return json.readTree(result.getResponse().getContentAsString());
    }

    /**
     * Default settings (retry 50–200 ms) against a replica 300 ms behind: the retry still misses and the
     * primary answers. A starved scheduler can delay the retry past the lag, so the scenario is repeated
     * until one retry came before the replica caught up.
     */
    @Test
    void pollForASnapshotCreatedAMomentAgoIsAnsweredFromThePrimaryWhileTheReplicaIs300msBehind() throws Exception {
        CreatedRun run = runOnReplica();
        lagReplica(Duration.ofMillis(300));
        for (int scenario = 0; scenario < 5; scenario++) {
            double primaryBefore = misses(meters, "primary");
            double retryBefore = misses(meters, "replica_retry");
            List<ExecutionSnapshot> pair = freshPair(run);

            MvcResult result = poll(run.friendlyId(), pair.get(0).id(), null);

            assertThat(result.getResponse().getStatus()).isEqualTo(200);
            JsonNode body = body(result);
            assertThat(body.at("/snapshots")).hasSize(1);
            assertThat(body.at("/snapshots/0/snapshot/id").stringValue()).isEqualTo(pair.get(1).id());
            assertThat(body.at("/snapshots/0/snapshot/executionStatus").stringValue()).isEqualTo("EXECUTING");
            assertThat(body.at("/snapshots/0/snapshot/description").stringValue()).isEqualTo("progress 2");
            assertThat(body.at("/snapshots/0/snapshot/createdAt").stringValue()).endsWith("Z");
            assertThat(body.at("/snapshots/0/run/id").stringValue()).isEqualTo(run.id());
            assertThat(body.at("/snapshots/0/run/friendlyId").stringValue()).isEqualTo(run.friendlyId());
            assertThat(body.at("/snapshots/0/run/status").stringValue()).isEqualTo("EXECUTING");
            assertThat(body.at("/snapshots/0/run/attemptNumber").intValue()).isEqualTo(1);
            assertThat(body.at("/hasMore").booleanValue()).isFalse();
            double primary = misses(meters, "primary") - primaryBefore;
            double retry = misses(meters, "replica_retry") - retryBefore;
            assertThat(primary + retry).as("each lagging poll is counted once").isEqualTo(1);
            if (primary == 1) {
                return;
            }
        }
        throw new AssertionError("every retry came after the replica caught up with a 300 ms lag");
    }

    /**
     * One scenario: the anchor was committed a moment ago, the replica applies it after 100 ms, the retry
     * comes 150–200 ms after the first read. On a shared 2-core machine the standby can be starved for longer
     * than the 50 ms of slack, so the scenario is repeated (fresh anchor, fresh counters) until one shows the
     * replica caught up by the retry; that scenario must then not have touched the writer.
     */
    @Test
    void replicaRetryAnswersWithoutConsultingThePrimaryWhenTheLagIsShorterThanTheRetryDelay() throws Exception {
        CreatedRun run = runOnReplica();
        lagReplica(Duration.ofMillis(100));
        List<String> outcomes = new java.util.ArrayList<>();
        for (int scenario = 0; scenario < 5; scenario++) {
            replica = new CountingDataSource(replicaPool);
            writer = new CountingDataSource(writerPool);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            closeReader();
            SnapshotsSinceReader reader = reader(null, 150, 200, 50, replica, registry);
            List<ExecutionSnapshot> pair = freshPair(run);

            CompletableFuture<SnapshotsSince> answer = reader.read(new SnapshotsSinceRequest(run.friendlyId(),
                    pair.get(0).id(), env.environment().id()));
            boolean waitedAsynchronously = !answer.isDone();
            int openWhileWaiting = replica.open.get() + writer.open.get();
            SnapshotsSince since = answer.get(10, TimeUnit.SECONDS);

            assertThat(since.snapshots()).extracting(i -> i.snapshot().id()).containsExactly(pair.get(1).id());
            assertThat(waitedAsynchronously).as("the retry delay is not spent on the caller's thread").isTrue();
            assertThat(openWhileWaiting).as("connections held while the retry waits").isZero();
            assertThat(replica.acquired.get()).as("first read + one retry on the replica").isEqualTo(2);
            if (misses(registry, "replica_retry") == 1) {
                assertThat(misses(registry, "primary")).isZero();
                assertThat(writer.acquired.get()).as("writer connections taken by the reader").isZero();
                return;
            }
            outcomes.add("primary after the retry (writer connections " + writer.acquired.get() + ")");
        }
        throw new AssertionError("the replica retry never answered: " + outcomes);
    }

    /** A poll for a snapshot committed a moment ago (with the next one), while the replica lags by {@code lag}. */
    private record LaggingPoll(CompletableFuture<SnapshotsSince> answer, String expectedSnapshotId) {
        List<String> snapshotIds() throws Exception {
            return answer.get(10, TimeUnit.SECONDS).snapshots().stream().map(i -> i.snapshot().id()).toList();
        }
    }

    private LaggingPoll pollRightAfterAChange(SnapshotsSinceReader reader, Duration lag) {
        CreatedRun run = runOnReplica();
        lagReplica(lag);
        List<ExecutionSnapshot> pair = freshPair(run);
        return new LaggingPoll(reader.read(new SnapshotsSinceRequest(run.friendlyId(), pair.get(0).id(), null)),
                pair.get(1).id());
    }

    @Test
    void retryWindowShorterThanTheLagEndsOnThePrimaryAfterExactlyOneRetry() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LaggingPoll poll = pollRightAfterAChange(reader(null, 20, 60, 50, replica, registry), Duration.ofMillis(1500));

        assertThat(poll.snapshotIds()).containsExactly(poll.expectedSnapshotId());
        assertThat(replica.acquired.get()).isEqualTo(2);
        assertThat(writer.acquired.get()).isEqualTo(1);
        assertThat(misses(registry, "primary")).isEqualTo(1);
        assertThat(misses(registry, "replica_retry")).isZero();
    }

    @Test
    void maxDelayZeroSkipsTheRetryAndGoesStraightToThePrimary() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LaggingPoll poll = pollRightAfterAChange(reader(null, 50, 0, 50, replica, registry), Duration.ofMillis(1500));

        assertThat(poll.answer()).as("answered on the calling thread, no scheduled retry").isDone();
        assertThat(poll.snapshotIds()).containsExactly(poll.expectedSnapshotId());
        assertThat(replica.acquired.get()).isEqualTo(1);
        assertThat(writer.acquired.get()).isEqualTo(1);
        assertThat(misses(registry, "primary")).isEqualTo(1);
    }

    @Test
    void withTheReplicaFlagOffPollsReadOnlyThePrimary() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LaggingPoll poll = pollRightAfterAChange(reader(false, 50, 200, 50, replica, registry), Duration.ofMillis(1500));

        assertThat(poll.answer()).isDone();
        assertThat(poll.snapshotIds()).containsExactly(poll.expectedSnapshotId());
        assertThat(replica.acquired.get()).isZero();
        assertThat(writer.acquired.get()).isEqualTo(1);
        assertThat(misses(registry, "primary") + misses(registry, "replica_retry")).as("not counted as lag").isZero();
    }

    @Test
    void replicaErrorsOtherThanAMissOrALostConnectionAreNotShiftedOntoThePrimary() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // The server answers, but refuses the session (3D000 invalid_catalog_name): not a lost connection.
        DriverManagerDataSource refusing = new DriverManagerDataSource(
                "jdbc:postgresql://" + Cluster.replicaHostAndPort() + "/no_such_database?connectTimeout=2",
                Cluster.username(), Cluster.password());
        SnapshotsSinceReader reader = reader(null, 50, 200, 50, refusing, registry);
        StartedRun run = startedRun();

        CompletableFuture<SnapshotsSince> answer = reader.read(new SnapshotsSinceRequest(run.created().friendlyId(),
                run.dequeued().snapshot().id(), null));

        assertThat(answer).isCompletedExceptionally();
        Throwable cause = catchThrowableOfType(ExecutionException.class, answer::get).getCause();
        assertThat(cause).isInstanceOf(DataAccessException.class);
        assertThat(writer.acquired.get()).isZero();
        assertThat(breaker.replicaAvailable()).isTrue();
    }

    @Test
    void aLostReplicaConnectionIsAnsweredFromThePrimaryOnceAndOpensTheBreaker() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DriverManagerDataSource unreachable = new DriverManagerDataSource(
                "jdbc:postgresql://127.0.0.1:" + closedPort() + "/postgres?connectTimeout=2",
                "postgres", "");
        SnapshotsSinceReader reader = reader(null, 50, 200, 50, unreachable, registry);
        StartedRun run = startedRun();

        SnapshotsSince answer = reader.read(new SnapshotsSinceRequest(run.created().friendlyId(),
                run.dequeued().snapshot().id(), null)).get(30, TimeUnit.SECONDS);

        assertThat(answer.snapshots()).extracting(s -> s.snapshot().id()).containsExactly(run.started().snapshot().id());
        assertThat(writer.acquired.get()).isEqualTo(1);
        assertThat(registry.get("datasource.replica.fallback").tag("reason", "connection_lost").counter().count())
                .isEqualTo(1);
        assertThat(breaker.replicaAvailable()).as("the following reads go to the writer").isFalse();
    }

    @Test
    void genuineMissIsA404WithTheSnapshotIdAndIsNotCountedAsLag() throws Exception {
        StartedRun run = startedRun();
        double before = misses(meters, "primary") + misses(meters, "replica_retry");
        String unknown = Ids.newId();

        MvcResult result = poll(run.created().friendlyId(), unknown, null);

        assertThat(result.getResponse().getStatus()).isEqualTo(404);
        assertThat(body(result).at("/error").stringValue()).isEqualTo("No execution snapshot found for id " + unknown);
        assertThat(misses(meters, "primary") + misses(meters, "replica_retry")).isEqualTo(before);
    }

    @Test
    void anchorBelongingToAnotherRunIsA404NotAWrongWindow() throws Exception {
        StartedRun mine = startedRun();
        StartedRun other = startedRun();

        MvcResult result = poll(mine.created().friendlyId(), other.created().snapshotId(), null);

        assertThat(result.getResponse().getStatus()).isEqualTo(404);
        assertThat(body(result).at("/error").stringValue())
                .isEqualTo("No execution snapshot found for id " + other.created().snapshotId());
    }

    @Test
    void runnerScopedToAnotherEnvironmentGetsA404() throws Exception {
        StartedRun run = startedRun();
        awaitOnReplica(run.started().snapshot().id());
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.PRODUCTION);

        MvcResult foreign = poll(run.created().friendlyId(), run.created().snapshotId(), other.environment().id());
        MvcResult own = poll(run.created().friendlyId(), run.created().snapshotId(), env.environment().id());

        assertThat(foreign.getResponse().getStatus()).isEqualTo(404);
        assertThat(own.getResponse().getStatus()).isEqualTo(200);
        assertThat(body(own).at("/snapshots")).hasSize(2);
    }

    @Test
    void moreNewerSnapshotsThanTheLimitAreReturnedInPagesWithHasMore() throws Exception {
        CreatedRun run = creator.create(TestRuns.run(env.environment().id(), "chatty").build());
        new TransactionTemplate(transactionManager).executeWithoutResult(s -> {
            for (int i = 0; i < 55; i++) {
                appender.append(run.id(), env.environment().id(), ExecutionStatus.QUEUED, "QUEUED", "step " + i, 0);
            }
        });
        awaitOnReplica(latestSnapshot(run.id()));

        JsonNode first = body(poll(run.friendlyId(), run.snapshotId(), null));
        assertThat(first.at("/snapshots")).hasSize(50);
        assertThat(first.at("/hasMore").booleanValue()).isTrue();
        assertThat(first.at("/snapshots/0/snapshot/description").stringValue()).isEqualTo("step 0");
        assertThat(first.at("/snapshots/49/snapshot/description").stringValue()).isEqualTo("step 49");

        String last = first.at("/snapshots/49/snapshot/id").stringValue();
        JsonNode rest = body(poll(run.friendlyId(), last, null));
        assertThat(rest.at("/snapshots")).hasSize(5);
        assertThat(rest.at("/hasMore").booleanValue()).isFalse();
        assertThat(rest.at("/snapshots/4/snapshot/description").stringValue()).isEqualTo("step 54");
    }

    @Test
    void snapshotsWithTiedOrReversedTimestampsAreAllReturnedInSequenceOrder() throws Exception {
        CreatedRun run = creator.create(TestRuns.run(env.environment().id(), "ties").build());
        new TransactionTemplate(transactionManager).executeWithoutResult(s -> {
            for (int i = 1; i <= 6; i++) {
                appender.append(run.id(), env.environment().id(), ExecutionStatus.QUEUED, "QUEUED", "step " + i, 0);
            }
        });
        // Pairs of equal timestamps, each pair earlier than the one before: time order would lose or reverse rows.
        Instant base = Instant.parse("2030-01-01T00:00:00Z");
        jdbc.sql("UPDATE execution_snapshots SET created_at = CAST(? AS timestamptz) - ((sequence / 2) * interval '1 millisecond') WHERE run_id = ?")
                .params(Timestamp.from(base), run.id()).update();
        awaitOnReplicaCreatedAt(run.id(), base);

        JsonNode body = body(poll(run.friendlyId(), run.snapshotId(), null));

        assertThat(body.at("/snapshots")).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(body.at("/snapshots/" + i + "/snapshot/description").stringValue()).isEqualTo("step " + (i + 1));
        }
    }

    @Test
    void pollWithNothingNewIsAnEmptyList() throws Exception {
        StartedRun run = startedRun();

        JsonNode body = body(poll(run.created().friendlyId(), run.started().snapshot().id(), null));

        assertThat(body.at("/snapshots")).isEmpty();
        assertThat(body.at("/hasMore").booleanValue()).isFalse();
    }

    @Test
    void genuineMissFromTheReaderIsATypedNotFound() {
        SnapshotsSinceReader reader = reader(null, 0, 0, 50, replica, new SimpleMeterRegistry());
        CompletableFuture<SnapshotsSince> answer = reader.read(new SnapshotsSinceRequest("run_" + Ids.newId(), Ids.newId(), null));

        Throwable cause = catchThrowableOfType(ExecutionException.class, answer::get).getCause();
        assertThat(cause).isInstanceOf(ApiException.class);
        assertThat(((ApiException) cause).status().value()).isEqualTo(404);
    }
}
