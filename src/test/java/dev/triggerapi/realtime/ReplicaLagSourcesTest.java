package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

/** The lag sources against the real cluster: vanilla PostgreSQL, a real streaming replica, a real apply delay. */
@ServerIntegrationTest
class ReplicaLagSourcesTest {

    @Autowired
    @Qualifier("writerDataSource")
    HikariDataSource writerPool;
    @Autowired
    @Qualifier("replicaDataSource")
    HikariDataSource replicaPool;
    @Autowired
    ReplicaLagEstimator estimator;
    @Autowired
    RunCreator creator;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    ApplicationEventPublisher events;
    @Autowired
    EnvironmentProvisioning provisioning;

    @Test
    void vanillaPostgresIsNotMistakenForAurora() {
        AuroraReplicaLagSource aurora = AuroraReplicaLagSource.on(new JdbcTemplate(replicaPool));
        assertThat(aurora.read().kind()).isEqualTo(LagReading.Kind.UNSUPPORTED);
        assertThat(aurora.read().kind()).isEqualTo(LagReading.Kind.UNSUPPORTED);
    }

    @Test
    void caughtUpReplicaWithoutTheWriterReadsZero() {
        PostgresReplicaLagSource source = PostgresReplicaLagSource.on(new JdbcTemplate(replicaPool), unreachableWriter());
        await().atMost(Duration.ofSeconds(10)).until(() -> Duration.ZERO.equals(source.read().lag()));
    }

    private static JdbcTemplate unreachableWriter() {
        return new JdbcTemplate(new org.springframework.jdbc.datasource.DriverManagerDataSource(
                "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1", "postgres", ""));
    }

    @Test
    void laggingReplicaReadsTheWritersReplayLag() {
        PostgresReplicaLagSource source = PostgresReplicaLagSource.on(new JdbcTemplate(replicaPool), new JdbcTemplate(writerPool));
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        TestRuns runs = new TestRuns(creator, jdbc, transactions, events);
        Duration delay = Duration.ofMillis(300);
        Cluster.replicaDelay(delay);

        // A steady trickle of writes keeps the replica behind and the standby reporting its replay position.
        AtomicReference<LagReading> lagging = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            CreatedRun run = runs.create(env, List.of(), null, null);
            runs.setStatus(run, env.environment().id(), "EXECUTING");
            LagReading reading = source.read();
            lagging.set(reading);
            return reading.kind() == LagReading.Kind.LAG && reading.lag().compareTo(delay) >= 0;
        });

        assertThat(lagging.get().lag()).isGreaterThanOrEqualTo(delay);
    }

    @Test
    void writersReplayLagCountsThePhysicalStandbyNotLogicalReplication() throws Exception {
        Properties props = new Properties();
        PGProperty.USER.set(props, Cluster.get().username());
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        String slot = "realtime_test_" + System.nanoTime();
        JdbcTemplate writer = new JdbcTemplate(writerPool);
        try (Connection connection = DriverManager.getConnection(Cluster.get().writerJdbcUrl(), props)) {
            PGConnection pg = connection.unwrap(PGConnection.class);
            pg.getReplicationAPI().createReplicationSlot().logical().withSlotName(slot)
                    .withOutputPlugin("test_decoding").withTemporaryOption().make();
            // A logical consumer that never acknowledges: its walsender sits in pg_stat_replication too.
            PGReplicationStream stream = pg.getReplicationAPI().replicationStream().logical().withSlotName(slot).start();
            await().atMost(Duration.ofSeconds(10)).until(() -> writer.queryForObject(
                    "SELECT count(*) FROM pg_stat_replication", Integer.class) >= 2);

            Integer counted = writer.queryForObject(
                    "SELECT count(*)::int FROM " + PostgresReplicaLagSource.PHYSICAL_WALSENDERS, Integer.class);

            assertThat(counted).isEqualTo(1);
            stream.close();
        }
    }

    @Test
    void estimatorKeepsThePostgresSource() {
        estimator.demand();
        await().atMost(Duration.ofSeconds(10)).until(() -> estimator.sourceName().equals("postgres"));
    }
}
