package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
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
 * Debounce at the run creator, with triggers at explicit instants (a fixed clock per trigger): pushes, the maxDelay
 * bound, and concurrent first triggers.
 */
@IntegrationTest
class DebounceTest {

    @Autowired
    JdbcTransactions transactions;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    ApplicationEventPublisher events;
    @Autowired
    RunStateWriter writer;
    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    PlatformTransactionManager transactionManager;

    private String envId;
    private final Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(3600);

    @BeforeEach
    void setUp() {
        envId = TestData.environment(provisioning, EnvironmentType.PRODUCTION).environment().id();
    }

    private CreatedRun triggerAt(Instant at, Debounce debounce) {
        RunCreator atInstant = new RunCreator(jdbc, Clock.fixed(at, ZoneOffset.UTC), events, writer, transactions);
        NewRun run = TestRuns.run(envId, "digest").build();
        return new TransactionTemplate(transactionManager).execute(s -> atInstant.createDebounced(run, debounce));
    }

    private Instant delayUntil(CreatedRun run) {
        return jdbc.sql("SELECT delay_until FROM task_runs WHERE id = ?").param(run.id())
                .query((rs, n) -> rs.getTimestamp(1).toInstant()).single();
    }

    @Test
    void pushesStopAtMaxDelayFromTheFirstTriggerAndTheNextTriggerStartsANewRun() {
        Debounce debounce = new Debounce("k", Duration.ofSeconds(10), false, Duration.ofSeconds(30));

        CreatedRun first = triggerAt(t0, debounce);
        assertThat(first.cached()).isFalse();
        assertThat(triggerAt(t0.plusSeconds(10), debounce).id()).isEqualTo(first.id());
        CreatedRun third = triggerAt(t0.plusSeconds(20), debounce);
        assertThat(third.id()).isEqualTo(first.id());
        assertThat(third.cached()).isTrue();
        assertThat(delayUntil(first)).isEqualTo(t0.plusSeconds(30));

        // t0+25s + 10s would be past t0 + maxDelay: the first run keeps t0+30s and a new run takes the key.
        CreatedRun fourth = triggerAt(t0.plusSeconds(25), debounce);
        assertThat(fourth.id()).isNotEqualTo(first.id());
        assertThat(delayUntil(first)).isEqualTo(t0.plusSeconds(30));
        assertThat(delayUntil(fourth)).isEqualTo(t0.plusSeconds(35));
        assertThat(triggerAt(t0.plusSeconds(26), debounce).id()).isEqualTo(fourth.id());
    }

    @Test
    void aPushMovesTheRunsPlaceInTheDequeueOrderWithIt() {
        Debounce debounce = new Debounce("order", Duration.ofSeconds(10), false, null);
        CreatedRun run = triggerAt(t0, debounce);
        triggerAt(t0.plusSeconds(40), debounce);

        assertThat(jdbc.sql("SELECT queue_order_at FROM task_runs WHERE id = ?").param(run.id())
                .query((rs, n) -> rs.getTimestamp(1).toInstant()).single()).isEqualTo(t0.plusSeconds(50));
    }

    @Test
    void concurrentFirstTriggersWithOneKeyCreateOneRun() throws Exception {
        Debounce debounce = new Debounce("race", Duration.ofMinutes(5), true, null);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<CreatedRun>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return creator.createDebounced(TestRuns.run(envId, "digest").build(), debounce);
            }));
        }
        go.countDown();
        List<String> ids = new ArrayList<>();
        for (Future<CreatedRun> result : results) {
            ids.add(result.get(60, TimeUnit.SECONDS).id());
        }
        pool.shutdown();

        assertThat(ids).containsOnly(ids.get(0));
        assertThat(jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ? AND debounce_key = 'race'")
                .param(envId).query(Integer.class).single()).isEqualTo(1);
    }
}
