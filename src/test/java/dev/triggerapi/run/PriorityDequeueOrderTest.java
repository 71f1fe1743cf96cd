package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import dev.triggerapi.support.TestRuns;
import dev.triggerapi.datasource.JdbcTransactions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Priority is a head start in seconds (the SDK's documented meaning, fractions included; stored in milliseconds): runs
 * are created at explicit instants through
 * a run creator with a fixed clock, then dequeued one at a time.
 */
@IntegrationTest
class PriorityDequeueOrderTest {

    @Autowired
    JdbcTransactions transactions;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    ApplicationEventPublisher events;
    @Autowired
    RunStateWriter writer;
    @Autowired
    RunEngine engine;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    PlatformTransactionManager transactionManager;

    private String envId;
    private ProvisionedWorkerGroup workerGroup;
    /** Well in the past, so every run created "at" a later instant is due when the test dequeues. */
    private final Instant t0 = Instant.now().minusSeconds(600);

    @BeforeEach
    void setUp() {
        envId = TestData.environment(provisioning, EnvironmentType.PRODUCTION).environment().id();
        workerGroup = TestData.workerGroup(provisioning);
    }

    private CreatedRun createAt(Instant at, int priority) {
        return createAt(at, TestRuns.run(envId, "ordered").priority(priority).build());
    }

    private CreatedRun createAt(Instant at, NewRun run) {
        RunCreator creator = new RunCreator(jdbc, Clock.fixed(at, ZoneOffset.UTC), events, writer, transactions);
        return new TransactionTemplate(transactionManager).execute(s -> creator.createInCurrentTransaction(run));
    }

    private String dequeueOne() {
        List<RunActionResult> claimed = engine.dequeue(workerGroup.id(), envId, 1);
        assertThat(claimed).hasSize(1);
        return claimed.get(0).run().id();
    }

    @Test
    void aPriority10RunQueued5SecondsAfterAPriority0RunIsDequeuedFirst() {
        CreatedRun older = createAt(t0, 0);
        CreatedRun newer = createAt(t0.plusSeconds(5), 10);

        assertThat(dequeueOne()).isEqualTo(newer.id());
        assertThat(dequeueOne()).isEqualTo(older.id());
    }

    @Test
    void aPriority10RunQueued20SecondsAfterAPriority0RunIsNot() {
        CreatedRun older = createAt(t0, 0);
        CreatedRun newer = createAt(t0.plusSeconds(20), 10);

        assertThat(dequeueOne()).isEqualTo(older.id());
        assertThat(dequeueOne()).isEqualTo(newer.id());
    }

    @Test
    void aHalfSecondPriorityRunQueued400MillisecondsAfterAPriority0RunIsDequeuedFirst() {
        CreatedRun older = createAt(t0, 0);
        CreatedRun newer = createAt(t0.plusMillis(400), TestRuns.run(envId, "ordered").priorityMs(500).build());

        assertThat(dequeueOne()).isEqualTo(newer.id());
        assertThat(dequeueOne()).isEqualTo(older.id());
    }

    @Test
    void aHalfSecondPriorityRunQueued600MillisecondsAfterAPriority0RunIsNot() {
        CreatedRun older = createAt(t0, 0);
        CreatedRun newer = createAt(t0.plusMillis(600), TestRuns.run(envId, "ordered").priorityMs(500).build());

        assertThat(dequeueOne()).isEqualTo(older.id());
        assertThat(dequeueOne()).isEqualTo(newer.id());
    }

    @Test
    void fractionalHeadStartsOrderRunsTriggeredAtTheSameInstantByTheirMilliseconds() {
        CreatedRun quarter = createAt(t0, TestRuns.run(envId, "ordered").priorityMs(250).build());
        CreatedRun none = createAt(t0, 0);
        CreatedRun twoAndAQuarter = createAt(t0, TestRuns.run(envId, "ordered").priorityMs(2250).build());
        CreatedRun behind = createAt(t0, TestRuns.run(envId, "ordered").priorityMs(-1500).build());

        assertThat(List.of(dequeueOne(), dequeueOne(), dequeueOne(), dequeueOne()))
                .containsExactly(twoAndAQuarter.id(), quarter.id(), none.id(), behind.id());
    }

    @Test
    void aDelayedRunQueuesFromTheEndOfItsDelayNotFromItsTrigger() {
        // Triggered first but due only at t0+30s: a run triggered at t0+10s without priority goes before it.
        CreatedRun delayed = createAt(t0, TestRuns.run(envId, "ordered").delayUntil(t0.plusSeconds(30)).build());
        CreatedRun plain = createAt(t0.plusSeconds(10), 0);
        jdbc.sql("UPDATE task_runs SET status = 'QUEUED' WHERE id = ?").param(delayed.id()).update(); // as the sweeper would

        assertThat(dequeueOne()).isEqualTo(plain.id());
        assertThat(dequeueOne()).isEqualTo(delayed.id());
    }

    @Test
    void dequeueReadsTheOrderIndexWithoutSorting() {
        TransactionTemplate tx = new TransactionTemplate(transactionManager);
        tx.executeWithoutResult(s -> {
            for (int i = 0; i < 3000; i++) {
                createAt(t0.plusMillis(i), i % 7);
            }
        });
        jdbc.sql("ANALYZE task_runs").update();

        String scoped = explain(RunDequeuer.candidateSql(true), true);
        String any = explain(RunDequeuer.candidateSql(false), false);
        System.out.println("EXPLAIN dequeue candidates (environment-scoped):\n" + scoped);
        System.out.println("EXPLAIN dequeue candidates (any environment):\n" + any);

        assertThat(scoped).contains("Index Scan using task_runs_env_dequeue_order").doesNotContain("Sort");
        assertThat(any).contains("Index Scan using task_runs_dequeue_order").doesNotContain("Sort");
    }

    private String explain(String sql, boolean scoped) {
        return new TransactionTemplate(transactionManager).execute(s -> {
            JdbcClient.StatementSpec query = jdbc.sql("EXPLAIN " + sql)
                    .param("now", Timestamp.from(Instant.now()))
                    .param("closedEnvironments", new String[0]).param("closedQueues", new String[0])
                    .param("fullEnvironments", new String[0]).param("fullQueues", new String[0])
                    .param("fullKeys", new String[0]).param("fetch", 4);
            if (scoped) {
                query = query.param("env", envId);
            }
            return query.query(String.class).list().stream().collect(Collectors.joining("\n"));
        });
    }
}
