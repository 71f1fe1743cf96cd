package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/** Two instances on one slot: one streams, the other stands by, and takes over when the leader stops. */
@ReplicationIntegrationTest
class ReplicationLeaderElectionTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration LOCK_TTL = Duration.ofSeconds(10);

    @Autowired
    ApplicationContext context;
    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;

    @Test
    void onlyTheLeaderStreamsAndTheStandbyTakesOverWithoutLosingOrDuplicatingRuns() throws Exception {
        ReplicationFixtures fixtures = new ReplicationFixtures(context);
        String envId = TestData.environment(provisioning, EnvironmentType.PRODUCTION).environment().id();
        RunReplicationProperties settings = fixtures.isolatedSettings("leader")
                .withLeader(new RunReplicationProperties.Leader(LOCK_TTL, Duration.ofSeconds(1), Duration.ofMillis(300)))
                .withErrorStrategy(RunReplicationProperties.ErrorStrategy.EXIT)
                .withExit(new RunReplicationProperties.Exit(3, Duration.ofMillis(100)));
        ClickHouseClient clickHouse = fixtures.clickHouse(settings);
        CompletableFuture<Integer> firstExited = new CompletableFuture<>();
        CompletableFuture<Integer> secondExited = new CompletableFuture<>();
        RunReplicator first = fixtures.replicator(settings, firstExited::complete, new SimpleMeterRegistry());
        RunReplicator second = fixtures.replicator(settings, secondExited::complete, new SimpleMeterRegistry());
        ExecutorService writers = Executors.newSingleThreadExecutor();
        AtomicBoolean writing = new AtomicBoolean(true);
        try {
            first.start();
            Awaitility.await().atMost(WAIT).until(() -> first.status().state() == RunReplicator.State.STREAMING);
            second.start();

            // Only one streams, for as long as we look: the other stays a standby under "exit" without exiting.
            Awaitility.await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() ->
                    second.status().state() == RunReplicator.State.STANDBY && !second.status().leader()
                            && first.status().state() == RunReplicator.State.STREAMING && first.status().leader());
            assertThat(secondExited).isNotDone();

            // Runs keep being created and updated while the leader goes away.
            Future<Integer> written = writers.submit(() -> {
                int n = 0;
                while (writing.get() || n < 40) {
                    CreatedRun run = ReplicationFixtures.create(creator, envId);
                    fixtures.writer().sql("UPDATE task_runs SET status = 'EXECUTING', attempt_number = 1 WHERE id = ?")
                            .param(run.id()).update();
                    n++;
                }
                return n;
            });
            Awaitility.await().atMost(WAIT).until(() -> fixtures.postgresRuns(envId).size() >= 20);
            Instant stoppedAt = Instant.now();
            first.stop();
            AtomicReference<Instant> tookOverAt = new AtomicReference<>();
            Awaitility.await().atMost(WAIT).until(() -> {
                if (second.status().leader()) {
                    tookOverAt.compareAndSet(null, Instant.now());
                }
                return second.status().state() == RunReplicator.State.STREAMING;
            });
            writing.set(false);
            assertThat(written.get(60, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(40);

            // The lock was handed over, not waited out.
            assertThat(Duration.between(stoppedAt, tookOverAt.get())).isLessThan(LOCK_TTL);
            fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);
            assertThat(fixtures.postgresRuns(envId).values()).allMatch(row -> row.contains(",EXECUTING,"));
            assertThat(firstExited).isNotDone();
            assertThat(secondExited).isNotDone();
        } finally {
            writing.set(false);
            writers.shutdownNow();
            first.stop();
            second.stop();
            fixtures.cleanUp(settings);
        }
    }

    @Test
    void aStandbyNeverStreamsWhileTheLeaderHoldsTheLock() {
        ReplicationFixtures fixtures = new ReplicationFixtures(context);
        RunReplicationProperties settings = fixtures.isolatedSettings("standby");
        RunReplicator leader = fixtures.replicator(settings, code -> { }, new SimpleMeterRegistry());
        List<RunReplicator> standbys = List.of(
                fixtures.replicator(settings, code -> { }, new SimpleMeterRegistry()),
                fixtures.replicator(settings, code -> { }, new SimpleMeterRegistry()));
        try {
            leader.start();
            Awaitility.await().atMost(WAIT).until(() -> leader.status().state() == RunReplicator.State.STREAMING);
            standbys.forEach(RunReplicator::start);
            Awaitility.await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() ->
                    standbys.stream().allMatch(s -> s.status().state() == RunReplicator.State.STANDBY)
                            && leader.status().state() == RunReplicator.State.STREAMING);
            assertThat(fixtures.writer().sql("SELECT count(*) FROM pg_stat_replication WHERE application_name LIKE 'Debezium%' "
                    + "AND pid = (SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?)")
                    .param(settings.slotName()).query(Integer.class).single()).isEqualTo(1);
        } finally {
            standbys.forEach(RunReplicator::stop);
            leader.stop();
            fixtures.cleanUp(settings);
        }
    }
}
