package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
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
import java.util.stream.Collectors;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import dev.triggerapi.support.TestRuns;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code concurrencyKey}: within a queue each key gets the queue's limit on its own, enforced by dequeue under
 * concurrent runners, and a key with a long backlog at the head of the order does not hold back the others.
 */
@IntegrationTest
class ConcurrencyKeyDequeueTest {

    private static final int LIMIT = 2;
    private static final List<String> KEYS = List.of("customer-a", "customer-b", "customer-c");

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

    private String envId;
    private ProvisionedWorkerGroup workerGroup;

    @BeforeEach
    void setUp() {
        envId = TestData.environment(provisioning, EnvironmentType.PRODUCTION).environment().id();
        workerGroup = TestData.workerGroup(provisioning);
        jdbc.sql("INSERT INTO task_queues (id, runtime_environment_id, name, concurrency_limit) VALUES (?, ?, 'per-customer', ?)")
                .params(Ids.newId(), envId, LIMIT).update();
    }

    private CreatedRun queue(String key) {
        return creator.create(TestRuns.run(envId, "sync").queue("per-customer").concurrencyKey(key).build());
    }

    private List<RunActionResult> dequeue(int maxRuns) {
        return engine.dequeue(workerGroup.id(), envId, maxRuns);
    }

    private static Map<String, Long> perKey(List<RunActionResult> claimed) {
        return claimed.stream().collect(Collectors.groupingBy(r -> String.valueOf(r.run().concurrencyKey()),
                Collectors.counting()));
    }

    private void complete(RunActionResult claimed) {
        RunActionResult started = engine.startAttempt(new RunAction(workerGroup.id(), envId,
                claimed.run().friendlyId(), claimed.snapshot().id()));
        engine.completeAttempt(new RunAction(workerGroup.id(), envId, claimed.run().friendlyId(),
                started.snapshot().id()), AttemptCompletion.success("{}", "application/json"));
    }

    @Test
    void eachKeyGetsTheQueueLimitOnItsOwnAndAFreedSlotGoesToItsKey() {
        for (int i = 0; i < 5; i++) {
            KEYS.forEach(this::queue);
        }

        List<RunActionResult> first = dequeue(20);

        assertThat(perKey(first)).as("2 per key, all three keys at once")
                .containsExactlyInAnyOrderEntriesOf(Map.of("customer-a", 2L, "customer-b", 2L, "customer-c", 2L));
        assertThat(dequeue(20)).as("every key is at its limit").isEmpty();

        RunActionResult ofB = first.stream().filter(r -> r.run().concurrencyKey().equals("customer-b")).findFirst()
                .orElseThrow();
        complete(ofB);
        List<RunActionResult> next = dequeue(20);
        assertThat(next).hasSize(1);
        assertThat(next.get(0).run().concurrencyKey()).isEqualTo("customer-b");
    }

    @Test
    void runsWithoutAKeyShareTheQueueLimitApartFromTheKeyedOnes() {
        for (int i = 0; i < 3; i++) {
            queue(null);
            queue("customer-a");
        }

        assertThat(perKey(dequeue(20)))
                .containsExactlyInAnyOrderEntriesOf(Map.of("null", 2L, "customer-a", 2L));
    }

    @Test
    void aHotKeyWithAnOlderBacklogDoesNotStarveTheOtherKeys() {
        for (int i = 0; i < 40; i++) {
            queue("hot");
        }
        queue("customer-b");
        queue("customer-c");

        // One run per call, as a busy runner asks: the hot key fills its 2 slots, then the others still get theirs.
        List<String> order = new ArrayList<>();
        for (int call = 0; call < 5; call++) {
            dequeue(1).forEach(r -> order.add(r.run().concurrencyKey()));
        }

        assertThat(order).containsExactly("hot", "hot", "customer-b", "customer-c");
    }

    @Test
    void concurrentRunnersNeverHaveMoreThanTheLimitOutPerKeyWhileEveryKeyProgresses() throws Exception {
        int perKey = 30;
        List<String> keys = new ArrayList<>();
        for (String key : KEYS) {
            for (int i = 0; i < perKey; i++) {
                keys.add(key);
            }
        }
        Collections.shuffle(keys, new Random(7));
        TransactionTemplate tx = new TransactionTemplate(transactionManager);
        tx.executeWithoutResult(s -> keys.forEach(this::queue));
        int total = keys.size();

        Map<String, AtomicInteger> held = new ConcurrentHashMap<>();
        Map<String, Integer> maxHeld = new ConcurrentHashMap<>();
        List<String> overLimit = Collections.synchronizedList(new ArrayList<>());
        List<String> countedOverLimit = Collections.synchronizedList(new ArrayList<>());
        Set<String> delivered = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        int runners = 6;
        ExecutorService pool = Executors.newFixedThreadPool(runners + 1);
        CountDownLatch go = new CountDownLatch(1);
        Future<Integer> sampler = pool.submit(() -> {
            int samples = 0;
            while (!done.get()) {
                jdbc.sql("""
                                SELECT concurrency_key, count(*) AS n FROM task_runs
                                WHERE runtime_environment_id = ? AND status IN ('DEQUEUED', 'EXECUTING')
                                GROUP BY concurrency_key""")
                        .param(envId).query().listOfRows().forEach(row -> {
                            if (((Number) row.get("n")).intValue() > LIMIT) {
                                countedOverLimit.add(row.get("concurrency_key") + "=" + row.get("n"));
                            }
                        });
                samples++;
                Thread.sleep(5);
            }
            return samples;
        });
        List<Future<?>> workers = new ArrayList<>();
        for (int r = 0; r < runners; r++) {
            Random own = new Random(r);
            workers.add(pool.submit(() -> {
                go.await();
                while (finished.get() < total) {
                    List<RunActionResult> claimed = dequeue(1 + own.nextInt(4));
                    if (claimed.isEmpty()) {
                        Thread.sleep(1 + own.nextInt(3)); // every key is full or being filled by another runner
                        continue;
                    }
                    for (RunActionResult item : claimed) {
                        if (!delivered.add(item.run().id())) {
                            duplicates.incrementAndGet();
                        }
                        int now = held.computeIfAbsent(item.run().concurrencyKey(), k -> new AtomicInteger())
                                .incrementAndGet();
                        maxHeld.merge(item.run().concurrencyKey(), now, Math::max);
                        if (now > LIMIT) {
                            overLimit.add(item.run().concurrencyKey() + "=" + now);
                        }
                    }
                    for (RunActionResult item : claimed) {
                        RunActionResult started = engine.startAttempt(new RunAction(workerGroup.id(), envId,
                                item.run().friendlyId(), item.snapshot().id()));
                        // Let go before completing, so what runners hold is always a subset of what the database counts.
                        held.get(item.run().concurrencyKey()).decrementAndGet();
                        engine.completeAttempt(new RunAction(workerGroup.id(), envId, item.run().friendlyId(),
                                started.snapshot().id()), AttemptCompletion.success("{}", "application/json"));
                        finished.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> worker : workers) {
            worker.get(180, TimeUnit.SECONDS);
        }
        done.set(true);
        int samples = sampler.get(30, TimeUnit.SECONDS);
        pool.shutdown();

        assertThat(duplicates.get()).as("runs delivered twice").isZero();
        assertThat(delivered).hasSize(total);
        assertThat(overLimit).as("runs held over the per-key limit").isEmpty();
        assertThat(countedOverLimit).as("database counts over the per-key limit (%d samples)", samples).isEmpty();
        assertThat(maxHeld.keySet()).containsExactlyInAnyOrderElementsOf(KEYS);
        assertThat(jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ? AND status = 'COMPLETED_SUCCESSFULLY'")
                .param(envId).query(Integer.class).single()).isEqualTo(total);
    }
}
