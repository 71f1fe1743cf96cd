package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.local.LocalClickHouse;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The stream breaks (walsender killed, lock lost, slot gone) and each error strategy does what it promises. Each
 * test runs its own replicator on its own slot and ClickHouse database, next to the application's.
 */
@ReplicationIntegrationTest
class ReplicationRecoveryTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ReplicationExit NO_EXIT = code -> {
        throw new AssertionError("exit " + code + " under a strategy that must not exit");
    };

    @Autowired
    ApplicationContext context;
    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    ClickHouseClient applicationClickHouse;
    @Autowired
    StringRedisTemplate redis;

    private ReplicationFixtures fixtures;
    private String envId;

    @BeforeEach
    void setUp() {
        fixtures = new ReplicationFixtures(context);
        envId = TestData.environment(provisioning, EnvironmentType.PRODUCTION).environment().id();
    }

    private static void awaitState(RunReplicator replicator, RunReplicator.State state) {
        Awaitility.await().atMost(WAIT).until(() -> replicator.status().state() == state);
    }

    private boolean hasRun(ClickHouseClient clickHouse, String runId) {
        return ReplicationFixtures.clickHouseRuns(clickHouse, envId).containsKey(runId);
    }

    @Test
    void reconnectStrategyResumesAfterTheWalSenderIsKilled() {
        RunReplicationProperties settings = fixtures.isolatedSettings("reconnect")
                .withErrorStrategy(RunReplicationProperties.ErrorStrategy.RECONNECT);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RunReplicator replicator = fixtures.replicator(settings, NO_EXIT, meters);
        ClickHouseClient clickHouse = fixtures.clickHouse(settings);
        replicator.start();
        try {
            ReplicationFixtures.create(creator, envId);
            fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);

            fixtures.killWalSender(settings.slotName());
            CreatedRun afterKill = ReplicationFixtures.create(creator, envId);

            fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);
            assertThat(hasRun(clickHouse, afterKill.id())).isTrue();
            assertThat(meters.get("runs_replication.reconnects").counter().count()).isGreaterThanOrEqualTo(1);
            awaitState(replicator, RunReplicator.State.STREAMING);
            assertThat(replicator.status().reconnectAttempt()).isZero();
        } finally {
            replicator.stop();
            fixtures.cleanUp(settings);
        }
    }

    @Test
    void failedReconnectsScheduleTheNextUntilOneSucceedsAndTheCounterResets() {
        RunReplicationProperties settings = fixtures.isolatedSettings("retry")
                .withReconnect(new RunReplicationProperties.Reconnect(Duration.ofMillis(100), Duration.ofMillis(400), 0));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RunReplicator replicator = fixtures.replicator(settings, NO_EXIT, meters);
        ClickHouseClient clickHouse = fixtures.clickHouse(settings);
        LocalClickHouse server = LocalClickHouse.sharedIfRunning();
        replicator.start();
        try {
            awaitState(replicator, RunReplicator.State.STREAMING);
            server.stop();
            try {
                fixtures.killWalSender(settings.slotName());
                // Every reconnect fails while ClickHouse is away (the stream cannot be prepared) and schedules the next.
                Awaitility.await().atMost(WAIT).until(() -> replicator.status().reconnectAttempt() >= 3);
                assertThat(replicator.status().state()).isIn(RunReplicator.State.RECONNECTING, RunReplicator.State.STARTING);
                assertThat(new ReplicationHealthIndicator(replicator).health().getStatus()).isEqualTo(Status.DOWN);
            } finally {
                server.start();
            }
            CreatedRun afterOutage = ReplicationFixtures.create(creator, envId);
            fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);
            assertThat(hasRun(clickHouse, afterOutage.id())).isTrue();
            awaitState(replicator, RunReplicator.State.STREAMING);
            assertThat(replicator.status().reconnectAttempt()).isZero();
            assertThat(meters.get("runs_replication.reconnects").counter().count()).isGreaterThanOrEqualTo(3);
        } finally {
            replicator.stop();
            fixtures.cleanUp(settings);
        }
    }

    @Test
    void reconnectGivesUpAfterItsMaxAttemptsAndStaysStopped() {
        RunReplicationProperties settings = fixtures.isolatedSettings("giveup")
                .withReconnect(new RunReplicationProperties.Reconnect(Duration.ofMillis(50), Duration.ofMillis(100), 2));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RunReplicator replicator = fixtures.replicator(settings, NO_EXIT, meters);
        LocalClickHouse server = LocalClickHouse.sharedIfRunning();
        replicator.start();
        try {
            awaitState(replicator, RunReplicator.State.STREAMING);
            server.stop();
            try {
                fixtures.killWalSender(settings.slotName());
                awaitState(replicator, RunReplicator.State.FAILED);
            } finally {
                server.start();
            }
            assertThat(meters.get("runs_replication.reconnects").counter().count()).isEqualTo(2);
            assertThat(replicator.status().leader()).isFalse();
            assertThat(new ReplicationHealthIndicator(replicator).health().getStatus()).isEqualTo(Status.DOWN);
        } finally {
            replicator.stop();
            fixtures.cleanUp(settings);
        }
    }

    @Test
    void exitStrategyCallsTheExitFunctionWithTheConfiguredCode() throws Exception {
        RunReplicationProperties settings = fixtures.isolatedSettings("exit")
                .withErrorStrategy(RunReplicationProperties.ErrorStrategy.EXIT)
                .withExit(new RunReplicationProperties.Exit(42, Duration.ofMillis(300)));
        CompletableFuture<Integer> exited = new CompletableFuture<>();
        RunReplicator replicator = fixtures.replicator(settings, exited::complete, new SimpleMeterRegistry());
        replicator.start();
        try {
            awaitState(replicator, RunReplicator.State.STREAMING);
            assertThat(exited).isNotDone();

            fixtures.killWalSender(settings.slotName());

            assertThat(exited.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(replicator.status().state()).isEqualTo(RunReplicator.State.FAILED);
        } finally {
            replicator.stop();
            fixtures.cleanUp(settings);
        }
    }

    @Test
    void logStrategyStaysStoppedAndHealthIsDown() {
        RunReplicationProperties settings = fixtures.isolatedSettings("log")
                .withErrorStrategy(RunReplicationProperties.ErrorStrategy.LOG);
        RunReplicator replicator = fixtures.replicator(settings, NO_EXIT,
                new SimpleMeterRegistry());
        ClickHouseClient clickHouse = fixtures.clickHouse(settings);
        ReplicationHealthIndicator health = new ReplicationHealthIndicator(replicator);
        replicator.start();
        try {
            awaitState(replicator, RunReplicator.State.STREAMING);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);

            fixtures.killWalSender(settings.slotName());
            awaitState(replicator, RunReplicator.State.FAILED);
            CreatedRun afterKill = ReplicationFixtures.create(creator, envId);
            // The application's own stream carries the run; the stopped one must not have it.
            Awaitility.await().atMost(WAIT).until(() -> hasRun(applicationClickHouse, afterKill.id()));

            assertThat(hasRun(clickHouse, afterKill.id())).isFalse();
            Awaitility.await().atMost(WAIT).until(() -> !fixtures.slotActive(settings.slotName()));
            assertThat(replicator.status().state()).isEqualTo(RunReplicator.State.FAILED);
            assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.health().getDetails()).containsKey("lastError").containsEntry("leader", false);
        } finally {
            replicator.stop();
            fixtures.cleanUp(settings);
        }
    }

    @Test
    void losingTheLeaderLockStopsStreamingAtOnceAndRetakingItResumes() {
        RunReplicationProperties settings = fixtures.isolatedSettings("lock");
        RunReplicator replicator = fixtures.replicator(settings, NO_EXIT,
                new SimpleMeterRegistry());
        ClickHouseClient clickHouse = fixtures.clickHouse(settings);
        replicator.start();
        try {
            awaitState(replicator, RunReplicator.State.STREAMING);

            redis.opsForValue().set(replicator.lockKey(), "another-instance", Duration.ofMinutes(1));
            Awaitility.await().atMost(WAIT).until(() -> replicator.status().state() == RunReplicator.State.STANDBY
                    && !fixtures.slotActive(settings.slotName()));
            CreatedRun whileStandby = ReplicationFixtures.create(creator, envId);
            Awaitility.await().atMost(WAIT).until(() -> hasRun(applicationClickHouse, whileStandby.id()));
            assertThat(hasRun(clickHouse, whileStandby.id())).isFalse();

            redis.delete(replicator.lockKey());
            fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);
            assertThat(replicator.status().leader()).isTrue();
        } finally {
            replicator.stop();
            fixtures.cleanUp(settings);
        }
    }

    @Test
    void aLeaderOnAServerWithoutTheSlotTakesANewSnapshotSoNothingIsMissing() {
        RunReplicationProperties settings = fixtures.isolatedSettings("failover");
        ClickHouseClient clickHouse = fixtures.clickHouse(settings);
        RunReplicator first = fixtures.replicator(settings, code -> { }, new SimpleMeterRegistry());
        first.start();
        CreatedRun before;
        try {
            before = ReplicationFixtures.create(creator, envId);
            fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);
        } finally {
            first.stop();
        }
        // As after a failover to a server that never had the slot: the changes made meanwhile are in no slot.
        fixtures.dropSlot(settings.slotName());
        fixtures.writer().sql("UPDATE task_runs SET status = 'CANCELED' WHERE id = ?").param(before.id()).update();
        CreatedRun meanwhile = ReplicationFixtures.create(creator, envId);

        RunReplicator next = fixtures.replicator(settings, code -> { }, new SimpleMeterRegistry());
        next.start();
        try {
            fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);
            assertThat(hasRun(clickHouse, meanwhile.id())).isTrue();
        } finally {
            next.stop();
            fixtures.cleanUp(settings);
        }
    }
}
