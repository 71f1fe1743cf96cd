package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.transaction.support.TransactionTemplate;

/** The application's own stream: every insert, update and delete of a run ends up in ClickHouse exactly. */
@ReplicationIntegrationTest
class RunReplicationTest {

    @Autowired
    ApplicationContext context;
    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    ClickHouseClient clickHouse;
    @Autowired
    TransactionTemplate transactions;
    @Autowired
    MockMvc mvc;
    @Autowired
    MeterRegistry meters;

    private ReplicationFixtures fixtures;
    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() {
        fixtures = new ReplicationFixtures(context);
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
    }

    @Test
    void insertsUpdatesAndDeletesReachClickHouseExactly() {
        String envId = env.environment().id();
        List<CreatedRun> runs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            runs.add(creator.create(ReplicationFixtures.newRun(envId, "task-" + (i % 3), List.of("t" + (i % 4)),
                    i % 5 == 0 ? "SCHEDULED" : "STANDARD", i % 7 == 0)));
        }
        for (int i = 0; i < runs.size(); i += 2) {
            fixtures.writer().sql("UPDATE task_runs SET status = 'EXECUTING', started_at = now(), attempt_number = 1 WHERE id = ?")
                    .param(runs.get(i).id()).update();
        }
        // Several changes of one run inside one transaction: the last one must win although they share a commit.
        transactions.executeWithoutResult(tx -> {
            String id = runs.get(1).id();
            fixtures.writer().sql("UPDATE task_runs SET status = 'DEQUEUED' WHERE id = ?").param(id).update();
            fixtures.writer().sql("UPDATE task_runs SET status = 'EXECUTING', attempt_number = 1 WHERE id = ?").param(id).update();
            fixtures.writer().sql("UPDATE task_runs SET status = 'COMPLETED_SUCCESSFULLY', completed_at = clock_timestamp() WHERE id = ?")
                    .param(id).update();
        });
        fixtures.writer().sql("DELETE FROM task_runs WHERE id = ?").param(runs.get(3).id()).update();
        // Fractional and negative head starts arrive in milliseconds (and as truncated whole seconds).
        fixtures.writer().sql("UPDATE task_runs SET priority_ms = 1500 WHERE id = ?").param(runs.get(5).id()).update();
        fixtures.writer().sql("UPDATE task_runs SET priority_ms = -2250 WHERE id = ?").param(runs.get(6).id()).update();

        fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, Duration.ofSeconds(60));
    }

    /**
     * Every batch with rows is inserted without the engine waiting for it; only Debezium's heartbeat reaches the
     * handler of an idle stream. It must acknowledge what it left in flight: the slot's confirmed position passes
     * the last write's commit although nothing is written after it.
     */
    @Test
    void anIdleStreamAcknowledgesTheInsertsItLeftInFlight() {
        String envId = env.environment().id();
        String id = ReplicationFixtures.create(creator, envId).id();
        fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, Duration.ofSeconds(60));
        String beforeLastWrite = fixtures.writer().sql("SELECT pg_current_wal_insert_lsn()::text").query(String.class).single();
        fixtures.writer().sql("UPDATE task_runs SET status = 'EXECUTING', attempt_number = 1 WHERE id = ?").param(id).update();
        fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, Duration.ofSeconds(60));

        String slot = context.getBean(RunReplicationProperties.class).slotName();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> fixtures.writer().sql(
                        "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")
                .params(beforeLastWrite, slot).query(Boolean.class).single());
    }

    /**
     * Updates carry no old row image (replica identity index, V13), so a replicated value PostgreSQL had moved out of
     * line (TOAST) would arrive as "unchanged" with no value. Values as long as the API allows must stay in the row and
     * survive an update that does not touch them.
     */
    @Test
    void longestKeysAndTagsSurviveAnUpdateThatDoesNotChangeThem() {
        String envId = env.environment().id();
        String id = ReplicationFixtures.create(creator, envId).id();
        java.util.Random random = new java.util.Random(13);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        java.util.function.IntFunction<String> text = n -> random.ints(n, 0, alphabet.length())
                .mapToObj(i -> String.valueOf(alphabet.charAt(i))).collect(java.util.stream.Collectors.joining());
        String[] tags = new String[10];
        for (int i = 0; i < tags.length; i++) {
            tags[i] = text.apply(127);
        }
        fixtures.writer().sql("UPDATE task_runs SET idempotency_key = ?, concurrency_key = ?, tags = ? WHERE id = ?")
                .params(text.apply(2048), text.apply(1024), tags, id).update();
        assertThat(fixtures.writer().sql("SELECT pg_column_size(t.*) > 2032 FROM task_runs t WHERE id = ?").param(id)
                .query(Boolean.class).single()).as("the row is past PostgreSQL's TOAST threshold").isTrue();
        fixtures.writer().sql("UPDATE task_runs SET status = 'EXECUTING', attempt_number = 1 WHERE id = ?").param(id).update();

        fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, Duration.ofSeconds(60));
    }

    @Test
    void manyRunsWithSeveralUpdatesEachEndIdenticalInClickHouse() throws Exception {
        String envId = env.environment().id();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 75; i++) {
                        String id = ReplicationFixtures.create(creator, envId).id();
                        fixtures.writer().sql("UPDATE task_runs SET status = 'DEQUEUED' WHERE id = ?").param(id).update();
                        fixtures.writer().sql("UPDATE task_runs SET status = 'EXECUTING', started_at = now(), attempt_number = 1 WHERE id = ?")
                                .param(id).update();
                        fixtures.writer().sql("UPDATE task_runs SET status = ?, completed_at = clock_timestamp() WHERE id = ?")
                                .params(i % 2 == 0 ? "COMPLETED_SUCCESSFULLY" : "COMPLETED_WITH_ERRORS", id).update();
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : work) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }

        fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, Duration.ofSeconds(120));
        assertThat(ReplicationFixtures.clickHouseRuns(clickHouse, envId)).hasSize(300);
    }

    @Test
    void everyStreamedChangeRecordsItsDecodeLegAndThatLegIsPartOfItsLag() {
        DistributionSummary lag = meters.get("runs_replication.lag_ms").summary();
        DistributionSummary decoded = meters.get("runs_replication.decode_lag_ms").summary();
        String envId = env.environment().id();
        // Earlier tests' changes may still be between decoding and their insert: wait until the gap between the two
        // counts holds still (a change re-sent after a failed insert elsewhere may have left it above zero).
        long[] gap = {Long.MIN_VALUE};
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1500)).until(() -> {
            long now = decoded.count() - lag.count();
            boolean still = now == gap[0];
            gap[0] = now;
            return still;
        });
        long countBefore = lag.count();
        double lagBefore = lag.totalAmount();
        double decodedBefore = decoded.totalAmount();

        for (int i = 0; i < 5; i++) {
            String id = ReplicationFixtures.create(creator, envId).id();
            fixtures.writer().sql("UPDATE task_runs SET status = 'DEQUEUED' WHERE id = ?").param(id).update();
            fixtures.writer().sql("UPDATE task_runs SET status = 'EXECUTING', started_at = now() WHERE id = ?").param(id).update();
        }
        fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, Duration.ofSeconds(60));

        // One decode reading and one lag reading per change (an insert records its lag just after ClickHouse has it).
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> lag.count() - countBefore >= 15 && decoded.count() - lag.count() == gap[0]);
        // A change is decoded before its insert ends, so its first leg never exceeds its whole lag.
        assertThat(decoded.totalAmount() - decodedBefore).isLessThanOrEqualTo(lag.totalAmount() - lagBefore);
    }

    @Test
    void theSlotsRestartPointFollowsTheStreamWithinSeconds() throws Exception {
        // PostgreSQL moves a slot's restart point only when it logs its running transactions, by itself every 15 s.
        // The leader asks for that record every second (SlotRestartPoint), so while runs are written, the restart point
        // passes each of four positions within seconds. PostgreSQL's own pace could serve at most one of the four.
        // (The point moves once the stream confirms a commit after the record, hence the writes in the background.)
        // pg_log_standby_snapshot() is PostgreSQL 16+; the container suite's server (Debian bookworm) is 15.
        org.junit.jupiter.api.Assumptions.assumeTrue(serverVersion() >= 160000, "PostgreSQL 16+ only");
        String envId = env.environment().id();
        String slot = context.getBean(RunReplicator.class).slotName();
        ReplicationFixtures.create(creator, envId);
        fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, Duration.ofSeconds(60));
        java.util.concurrent.ScheduledExecutorService writes = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            writes.scheduleWithFixedDelay(() -> ReplicationFixtures.create(creator, envId), 0, 200,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            for (int round = 0; round < 4; round++) {
                String written = fixtures.writer().sql("SELECT pg_current_wal_insert_lsn()::text").query(String.class).single();
                Awaitility.await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(100)).until(() -> fixtures.writer()
                        .sql("SELECT restart_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")
                        .params(written, slot).query(Boolean.class).single());
            }
        } finally {
            writes.shutdownNow();
            writes.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, Duration.ofSeconds(60));
    }

    @Test
    void theRestartPointHelperLogsAsASuperuserAndStopsAskingWithoutThePrivilege() {
        SlotRestartPoint superuser = new SlotRestartPoint(fixtures.writer());
        if (serverVersion() < 160000) {
            // Before PostgreSQL 16 there is no such function: the helper says so and asks no more.
            assertThat(superuser.advance()).isFalse();
            assertThat(superuser.unavailable()).isTrue();
            return;
        }
        assertThat(superuser.advance()).isTrue();

        fixtures.writer().sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replication_test_plain') "
                + "THEN CREATE ROLE replication_test_plain LOGIN; END IF; END $$").update();
        String url = context.getEnvironment().getRequiredProperty("spring.datasource.url");
        SlotRestartPoint plain = new SlotRestartPoint(org.springframework.jdbc.core.simple.JdbcClient.create(
                new org.springframework.jdbc.datasource.DriverManagerDataSource(url, "replication_test_plain", "")));
        assertThat(plain.advance()).isFalse();
        assertThat(plain.unavailable()).isTrue();
        assertThat(plain.advance()).isFalse();
    }

    private int serverVersion() {
        return Integer.parseInt(fixtures.writer().sql("SHOW server_version_num").query(String.class).single());
    }

    @Test
    void healthShowsTheStreamingLeaderAndMetricsAreExposed() throws Exception {
        ReplicationFixtures.create(creator, env.environment().id());
        fixtures.awaitClickHouseEqualsPostgres(clickHouse, env.environment().id(), Duration.ofSeconds(60));

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> mvc.perform(get("/actuator/health").header("Authorization", dev.triggerapi.support.Admin.AUTHORIZATION))
                .andExpect(jsonPath("$.components.replication.status").value("UP"))
                .andExpect(jsonPath("$.components.replication.details.state").value("STREAMING"))
                .andExpect(jsonPath("$.components.replication.details.leader").value(true))
                .andExpect(jsonPath("$.components.replication.details.lastCommitLsn").value(Matchers.matchesPattern("[0-9A-F]+/[0-9A-F]+")))
                .andExpect(jsonPath("$.components.replication.details.lagMs").isNumber()));
        mvc.perform(get("/actuator/prometheus"))
                .andExpect(status().isOk())
                .andExpect(content().string(Matchers.containsString("runs_replication_lag_ms")))
                .andExpect(content().string(Matchers.containsString("runs_replication_decode_lag_ms")))
                .andExpect(content().string(Matchers.containsString("runs_replication_batches_flushed_total{application=\"trigger-api\",success=\"true\"}")))
                .andExpect(content().string(Matchers.containsString("runs_replication_leader{application=\"trigger-api\"} 1.0")))
                .andExpect(content().string(Matchers.containsString("runs_replication_insert_retries_total")))
                .andExpect(content().string(Matchers.containsString("runs_replication_reconnects_total")));
    }
}
