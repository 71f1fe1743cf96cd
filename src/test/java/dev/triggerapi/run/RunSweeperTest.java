package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.SweeperPaused;
import dev.triggerapi.support.TestData;
import dev.triggerapi.support.TestRuns;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

@IntegrationTest
class RunSweeperTest {

    @Autowired
    RunCreator creator;
    @Autowired
    RunSweeper sweeper;
    @Autowired
    RunStateWriter writer;
    @Autowired
    RunEngineProperties settings;
    @Autowired
    PlatformTransactionManager transactionManager;
    @Autowired
    JsonMapper json;
    @Autowired
    Clock clock;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    @Qualifier("writerDataSource")
    DataSource writerDataSource;

    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
    }

    @Test
    void sweepersRunningAtOnceChangeEveryDueRunExactlyOnce() throws Exception {
        TransactionTemplate tx = new TransactionTemplate(transactionManager);
        tx.executeWithoutResult(s -> {
            for (int i = 0; i < 150; i++) {
                creator.createInCurrentTransaction(TestRuns.run(env.environment().id(), "due")
                        .delayUntil(Instant.now().plusSeconds(3600)).build());
                creator.createInCurrentTransaction(TestRuns.run(env.environment().id(), "stale").ttl("1h", 3600).build());
            }
        });
        // Everything comes due at once, as after an outage.
        jdbc.sql("UPDATE task_runs SET delay_until = clock_timestamp() - interval '1 second' WHERE runtime_environment_id = ? AND status = 'DELAYED'")
                .param(env.environment().id()).update();
        jdbc.sql("UPDATE task_runs SET expires_at = clock_timestamp() - interval '1 second' WHERE runtime_environment_id = ? AND status = 'QUEUED'")
                .param(env.environment().id()).update();

        int instances = 4;
        ExecutorService pool = Executors.newFixedThreadPool(instances);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> sweeps = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            sweeps.add(pool.submit(() -> {
                go.await();
                return sweeper.sweepOnce();
            }));
        }
        go.countDown();
        for (Future<Integer> sweep : sweeps) {
            sweep.get();
        }
        pool.shutdown();
        // The context's own scheduled sweeper is a fifth one: rows it claimed were skipped by the four above and are
        // changed when its transaction commits. Taking the pause lock waits for every sweep in flight to commit.
        try (SweeperPaused inFlightCommitted = SweeperPaused.take(writerDataSource)) {
            // nothing to do while paused: taking the pause was the wait
        }

        Map<String, Object> outcome = jdbc.sql("""
                        SELECT count(*) FILTER (WHERE task_identifier = 'due' AND status = 'QUEUED' AND snapshot_sequence = 2) AS queued_once,
                               count(*) FILTER (WHERE task_identifier = 'stale' AND status = 'EXPIRED' AND snapshot_sequence = 2) AS expired_once,
                               (SELECT count(*) FROM execution_snapshots s WHERE s.runtime_environment_id = ?) AS snapshots
                        FROM task_runs WHERE runtime_environment_id = ?""")
                .params(env.environment().id(), env.environment().id()).query().singleRow();
        assertThat(outcome).containsEntry("queued_once", 150L).containsEntry("expired_once", 150L)
                .containsEntry("snapshots", 600L);
    }

    @Test
    void dueTimesAreJudgedByTheInjectedClockNotTheDatabases() {
        CreatedRun later = creator.create(TestRuns.run(env.environment().id(), "in-ten-minutes")
                .delayUntil(Instant.now().plusSeconds(600)).build());
        RunSweeper fromTheFuture = new RunSweeper(jdbc, writer, settings, transactionManager, json,
                Clock.offset(clock, Duration.ofMinutes(15)));
        RunSweeper fromThePast = new RunSweeper(jdbc, writer, settings, transactionManager, json,
                Clock.offset(clock, Duration.ofMinutes(-15)));

        fromThePast.sweepOnce();
        assertThat(status(later.id())).isEqualTo("DELAYED");

        fromTheFuture.sweepOnce();
        assertThat(status(later.id())).isEqualTo("QUEUED");
    }

    private String status(String runId) {
        return jdbc.sql("SELECT status FROM task_runs WHERE id = ?").param(runId).query(String.class).single();
    }
}
