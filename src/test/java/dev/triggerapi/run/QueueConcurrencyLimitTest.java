package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.SweeperPaused;
import dev.triggerapi.support.TestData;
import dev.triggerapi.support.TestRuns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Thousands of runs, a dozen runners dequeuing at once (runs of limited queues are started and completed to
 * free their slots): no run is delivered twice and no limited queue ever has more runs out than its limit —
 * checked both by what the runners hold and by the database's own count, sampled throughout.
 */
@IntegrationTest
class QueueConcurrencyLimitTest {

    private static final int[] LIMITS = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5};
    private static final int RUNS_PER_LIMITED_QUEUE = 60;
    private static final int UNLIMITED_RUNS = 800;
    private static final int RUNNERS = 12;

    @Autowired
    RunCreator creator;
    @Autowired
    RunEngine engine;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactionManager;
    @Autowired
    @Qualifier("writerDataSource")
    DataSource writer;

    private SweeperPaused sweeperPaused;

    /**
     * Runs of the unlimited queue stay DEQUEUED until the end, and on a loaded machine the test outlasts their lease:
     * the sweeper requeueing them would look like double delivery. So the sweeper is paused ({@link SweeperPause}).
     */
    @BeforeEach
    void pauseSweeper() throws SQLException {
        sweeperPaused = SweeperPaused.take(writer);
    }

    @AfterEach
    void resumeSweeper() throws SQLException {
        sweeperPaused.close();
    }

    @Test
    void manyConcurrentDequeuersNeverDeliverARunTwiceNorExceedAQueueLimit() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        String envId = env.environment().id();
        ProvisionedWorkerGroup workerGroup = TestData.workerGroup(provisioning);
        Map<String, Integer> limits = new HashMap<>();
        List<NewRun> runs = new ArrayList<>();
        Random random = new Random(42);
        for (int q = 0; q < LIMITS.length; q++) {
            String queue = "limited-" + q;
            limits.put(queue, LIMITS[q]);
            jdbc.sql("INSERT INTO task_queues (id, runtime_environment_id, name, concurrency_limit) VALUES (?, ?, ?, ?)")
                    .params(Ids.newId(), envId, queue, LIMITS[q]).update();
            for (int i = 0; i < RUNS_PER_LIMITED_QUEUE; i++) {
                runs.add(TestRuns.run(envId, "task-" + q).queue(queue).priority(random.nextInt(3)).build());
            }
        }
        for (int i = 0; i < UNLIMITED_RUNS; i++) {
            runs.add(TestRuns.run(envId, "free-task").priority(random.nextInt(3)).build());
        }
        Collections.shuffle(runs, random);
        TransactionTemplate tx = new TransactionTemplate(transactionManager);
        for (int from = 0; from < runs.size(); from += 500) {
            List<NewRun> chunk = runs.subList(from, Math.min(runs.size(), from + 500));
            tx.executeWithoutResult(s -> chunk.forEach(creator::createInCurrentTransaction));
        }
        int total = runs.size();

        Set<String> delivered = ConcurrentHashMap.newKeySet();
        List<String> duplicates = Collections.synchronizedList(new ArrayList<>());
        Map<String, AtomicInteger> held = new ConcurrentHashMap<>();
        List<String> heldOverLimit = Collections.synchronizedList(new ArrayList<>());
        List<String> countedOverLimit = Collections.synchronizedList(new ArrayList<>());
        Map<String, Integer> maxHeld = new ConcurrentHashMap<>();
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger finished = new AtomicInteger();

        ExecutorService pool = Executors.newFixedThreadPool(RUNNERS + 1);
        CountDownLatch go = new CountDownLatch(1);
        Future<Integer> sampler = pool.submit(() -> {
            int samples = 0;
            while (!done.get()) {
                jdbc.sql("""
                                SELECT queue, count(*) AS n FROM task_runs
                                WHERE runtime_environment_id = ? AND status IN ('DEQUEUED', 'EXECUTING') GROUP BY queue""")
                        .param(envId).query().listOfRows().forEach(row -> {
                            Integer limit = limits.get((String) row.get("queue"));
                            if (limit != null && ((Number) row.get("n")).intValue() > limit) {
                                countedOverLimit.add(row.get("queue") + "=" + row.get("n"));
                            }
                        });
                samples++;
                Thread.sleep(10);
            }
            return samples;
        });
        List<Future<?>> runners = new ArrayList<>();
        for (int r = 0; r < RUNNERS; r++) {
            int seed = r;
            runners.add(pool.submit(() -> {
                Random own = new Random(seed);
                go.await();
                while (finished.get() < total) {
                    List<RunActionResult> claimed = engine.dequeue(workerGroup.id(), envId, 1 + own.nextInt(8));
                    if (claimed.isEmpty()) {
                        Thread.sleep(1 + own.nextInt(3)); // every queue is busy or full for now
                        continue;
                    }
                    for (RunActionResult item : claimed) {
                        String queue = item.run().queue();
                        if (!delivered.add(item.run().id())) {
                            duplicates.add(item.run().friendlyId());
                        }
                        int now = held.computeIfAbsent(queue, k -> new AtomicInteger()).incrementAndGet();
                        maxHeld.merge(queue, now, Math::max);
                        Integer limit = limits.get(queue);
                        if (limit != null && now > limit) {
                            heldOverLimit.add(queue + "=" + now);
                        }
                    }
                    for (RunActionResult item : claimed) {
                        if (!limits.containsKey(item.run().queue())) {
                            held.get(item.run().queue()).decrementAndGet();
                            finished.incrementAndGet(); // an unlimited queue's run needs no slot back
                            continue;
                        }
                        RunActionResult started = engine.startAttempt(new RunAction(workerGroup.id(), envId,
                                item.run().friendlyId(), item.snapshot().id()));
                        // Let go before completing: what runners hold is then always a subset of what the
                        // database counts, so "held > limit" can only mean the engine over-delivered.
                        held.get(item.run().queue()).decrementAndGet();
                        engine.completeAttempt(new RunAction(workerGroup.id(), envId, item.run().friendlyId(),
                                started.snapshot().id()), AttemptCompletion.success("{}", "application/json"));
                        finished.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> runner : runners) {
            runner.get(180, TimeUnit.SECONDS);
        }
        done.set(true);
        int samples = sampler.get(30, TimeUnit.SECONDS);
        pool.shutdown();

        assertThat(duplicates).as("runs delivered twice").isEmpty();
        assertThat(delivered).hasSize(total);
        assertThat(heldOverLimit).as("runs held over a queue limit").isEmpty();
        assertThat(countedOverLimit).as("database counts over a queue limit (%d samples)", samples).isEmpty();
        assertThat(maxHeld.entrySet()).as("queues allowing several runs did run several at once")
                .anyMatch(e -> limits.getOrDefault(e.getKey(), 0) > 1 && e.getValue() > 1);
        Map<String, Object> outcome = jdbc.sql("""
                        SELECT count(*) FILTER (WHERE status = 'COMPLETED_SUCCESSFULLY' AND snapshot_sequence = 4) AS completed,
                               count(*) FILTER (WHERE status = 'DEQUEUED' AND snapshot_sequence = 2) AS dequeued_once
                        FROM task_runs WHERE runtime_environment_id = ?""")
                .param(envId).query().singleRow();
        assertThat(((Number) outcome.get("completed")).intValue()).isEqualTo(LIMITS.length * RUNS_PER_LIMITED_QUEUE);
        assertThat(((Number) outcome.get("dequeued_once")).intValue()).isEqualTo(UNLIMITED_RUNS);
        // Leave no held runs behind for the sweeper to requeue while later test classes run.
        jdbc.sql("DELETE FROM task_runs WHERE runtime_environment_id = ?").param(envId).update();
    }
}
