package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The real Redis holding the leader lock is stopped under two replicators contending for one slot: the leader
 * cannot confirm its lock, so it stops streaming before the lock could have expired; nobody leads while Redis is
 * away; and once it is back (empty: the embedded Redis keeps nothing) one of them takes the lock and the stream
 * catches up. At no sampled moment do both consider themselves the leader.
 */
@ReplicationIntegrationTest
class RedisOutageLeadershipTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Autowired
    ApplicationContext context;
    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    StringRedisTemplate redis;

    @Test
    void theLeaderStandsDownWhileRedisIsAwayAndOneInstanceResumesWhenItIsBack() {
        ReplicationFixtures fixtures = new ReplicationFixtures(context);
        String envId = TestData.environment(provisioning, EnvironmentType.PRODUCTION).environment().id();
        RunReplicationProperties settings = fixtures.isolatedSettings("redis_outage");
        RunReplicator first = fixtures.replicator(settings, code -> { }, new SimpleMeterRegistry());
        RunReplicator second = fixtures.replicator(settings, code -> { }, new SimpleMeterRegistry());
        ClickHouseClient clickHouse = fixtures.clickHouse(settings);
        AtomicInteger bothLeading = new AtomicInteger();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> {
            if (first.status().leader() && second.status().leader()) {
                bothLeading.incrementAndGet();
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
        first.start();
        try {
            Awaitility.await().atMost(WAIT).until(() -> first.status().state() == RunReplicator.State.STREAMING);
            second.start();
            Awaitility.await().atMost(WAIT).until(() -> second.status().state() == RunReplicator.State.STANDBY);
            ReplicationFixtures.create(creator, envId);
            fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);

            Cluster.get().stopRedis();
            CreatedRun duringOutage;
            try {
                Awaitility.await().atMost(WAIT).until(() -> !first.status().leader()
                        && first.status().state() == RunReplicator.State.STANDBY);
                Awaitility.await().atMost(WAIT).until(() -> !fixtures.slotActive(settings.slotName()));
                assertThat(second.status().leader()).as("no instance can take a lock Redis cannot grant").isFalse();
                duringOutage = ReplicationFixtures.create(creator, envId);
            } finally {
                Cluster.get().startRedis();
            }
            awaitRedisAnswers();

            Awaitility.await().atMost(WAIT).until(() -> first.status().leader() || second.status().leader());
            fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);
            assertThat(ReplicationFixtures.clickHouseRuns(clickHouse, envId)).containsKey(duringOutage.id());
            assertThat(bothLeading.get()).as("samples with two leaders").isZero();
        } finally {
            sampler.shutdownNow();
            first.stop();
            second.stop();
            if (!Cluster.get().isRedisRunning()) {
                Cluster.get().startRedis();
            }
            awaitRedisAnswers();
            fixtures.cleanUp(settings);
        }
    }

    private void awaitRedisAnswers() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> "PONG".equals(redis.execute((RedisCallback<String>) RedisConnection::ping)));
    }
}
