package dev.triggerapi.taskmeta;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The Lua scripts and the read path against the real embedded Redis. The near cache is off here: these tests edit
 * Redis behind the cache's back and read the Redis layer itself ({@link NearTaskMetadataCacheTest} covers the near
 * cache).
 */
@IntegrationTest
@TestPropertySource(properties = "trigger-api.task-meta-cache.near.enabled=false")
class RedisTaskMetadataCacheTest {

    private static final TaskMetadata META = new TaskMetadata("10m", "STANDARD", "q-id", "hello");

    @Autowired
    TaskMetadataCache cache;
    @Autowired
    StringRedisTemplate redis;

    private final String env = Ids.newId();

    private static String envKey(String envId) {
        return "task-meta:env:" + envId;
    }

    private static String workerKey(String workerId) {
        return "task-meta:by-worker:" + workerId;
    }

    private WorkerVersion version(String workerId, Map<String, TaskMetadata> tasks) {
        return new WorkerVersion(env, "v-" + workerId, workerId, tasks, Map.of("hello", "q-id"));
    }

    private Map<Object, Object> hash(String key) {
        return redis.opsForHash().entries(key);
    }

    private long ttl(String key) {
        return redis.getExpire(key);
    }

    @Autowired
    org.springframework.data.redis.connection.RedisConnectionFactory defaultConnections;

    @Test
    void cacheIsTheRedisImplementationWhenEnabledAndTheNearCacheIsOff() {
        assertThat(cache).isInstanceOf(RedisTaskMetadataCache.class);
    }

    @Test
    void theCachesPoolLibraryDoesNotTurnTheDefaultRedisClientIntoAPool() {
        var lettuce = (org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory) defaultConnections;
        assertThat(lettuce.getClientConfiguration()).isNotInstanceOf(
                org.springframework.data.redis.connection.lettuce.LettucePoolingClientConfiguration.class);
    }

    @Test
    void currentBackfillStampsTheOwnerWhenTheEnvironmentHashHasNone() {
        String worker = Ids.newId();

        assertThat(cache.backfillCurrent(env, worker, "task-a", META)).isEqualTo(TaskMetadataCache.CurrentBackfill.CREATED);

        assertThat(hash(envKey(env))).containsEntry(RedisTaskMetadataCache.OWNER_FIELD, worker).containsKey("task-a");
        assertThat(ttl(envKey(env))).isBetween(1L, 86_400L);
        assertThat(hash(workerKey(worker))).containsKey("task-a");
        assertThat(cache.getCurrent(env, "task-a")).contains(META);
        assertThat(cache.getByWorker(worker, "task-a")).contains(META);
    }

    @Test
    void currentBackfillLeavesAHashOwnedByAnotherWorkerUntouchedButWritesItsOwnWorkerHash() {
        String promoted = Ids.newId();
        String stale = Ids.newId();
        cache.replaceCurrent(version(promoted, Map.of("other", META)), 1);

        assertThat(cache.backfillCurrent(env, stale, "task-a", META)).isEqualTo(TaskMetadataCache.CurrentBackfill.REFUSED);

        assertThat(hash(envKey(env))).containsEntry(RedisTaskMetadataCache.OWNER_FIELD, promoted)
                .doesNotContainKey("task-a").containsKey("other");
        assertThat(hash(workerKey(stale))).containsKey("task-a");
    }

    @Test
    void currentBackfillByTheOwnerAddsTheSlugWithoutExtendingTheSafetyTtl() {
        String worker = Ids.newId();
        cache.replaceCurrent(version(worker, Map.of("other", META)), 1);
        redis.expire(envKey(env), java.time.Duration.ofSeconds(100));

        assertThat(cache.backfillCurrent(env, worker, "task-a", META)).isEqualTo(TaskMetadataCache.CurrentBackfill.ADDED);

        assertThat(hash(envKey(env))).containsKey("task-a").containsKey("other");
        assertThat(ttl(envKey(env))).isBetween(1L, 100L);
    }

    @Test
    void lockedBackfillSlidesTheWorkerHashIdleTtl() {
        String worker = Ids.newId();
        cache.backfillByWorker(worker, "task-a", META);
        redis.expire(workerKey(worker), java.time.Duration.ofSeconds(10));

        cache.backfillByWorker(worker, "task-b", META);

        assertThat(ttl(workerKey(worker))).isGreaterThan(10L);
        assertThat(hash(workerKey(worker))).containsOnlyKeys("task-a", "task-b");
    }

    @Test
    void keySpacesAreKeptApart() {
        String worker = Ids.newId();
        cache.backfillByWorker(worker, "task-a", META);

        assertThat(cache.getByWorker(worker, "task-a")).contains(META);
        assertThat(cache.getCurrent(env, "task-a")).isEmpty();
        assertThat(redis.hasKey(envKey(env))).isFalse();
    }

    @Test
    void replacingTheCurrentViewDropsStaleSlugsEvenWithAnEmptyTaskList() {
        String first = Ids.newId();
        String second = Ids.newId();
        cache.replaceCurrent(version(first, Map.of("a", META, "b", META)), 1);

        cache.replaceCurrent(version(second, Map.of()), 2);

        assertThat(hash(envKey(env))).containsOnlyKeys(RedisTaskMetadataCache.OWNER_FIELD,
                RedisTaskMetadataCache.GENERATION_FIELD);
        assertThat(hash(envKey(env))).containsEntry(RedisTaskMetadataCache.OWNER_FIELD, second);
        assertThat(ttl(envKey(env))).isBetween(1L, 86_400L);
        assertThat(cache.getCurrent(env, "a")).isEmpty();
    }

    @Test
    void anOlderGenerationArrivingLateDoesNotOverwriteTheCurrentView() {
        String newer = Ids.newId();
        String older = Ids.newId();
        cache.replaceCurrent(version(newer, Map.of("new-task", META)), 10);

        cache.replaceCurrent(version(older, Map.of("old-task", META)), 9);

        assertThat(hash(envKey(env))).containsEntry(RedisTaskMetadataCache.OWNER_FIELD, newer)
                .containsKey("new-task").doesNotContainKey("old-task");
        assertThat(hash(workerKey(older))).containsOnlyKeys("old-task", TaskMetadataCache.QUEUES_FIELD);
    }

    @Test
    void replacingAWorkerHashReplacesItWhole() {
        String worker = Ids.newId();
        cache.backfillByWorker(worker, "stale", META);
        Map<String, TaskMetadata> many = new LinkedHashMap<>();
        for (int i = 0; i < 1_500; i++) {
            many.put("task-" + i, META);
        }

        cache.replaceWorker(version(worker, many));

        assertThat(hash(workerKey(worker))).hasSize(1_501).doesNotContainKey("stale");
        assertThat(ttl(workerKey(worker))).isGreaterThan(86_400L);
    }

    @Test
    void readersNeverSeeAHalfReplacedEnvironmentHash() throws Exception {
        String a = Ids.newId();
        String b = Ids.newId();
        Map<String, TaskMetadata> tasksA = new LinkedHashMap<>();
        Map<String, TaskMetadata> tasksB = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            tasksA.put("a-" + i, META);
            tasksB.put("b-" + i, META);
        }
        cache.replaceCurrent(version(a, tasksA), 1);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<String> inconsistent = new ArrayList<>();
        AtomicInteger reads = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (writing.get()) {
                Map<Object, Object> seen = hash(envKey(env));
                reads.incrementAndGet();
                Object owner = seen.get(RedisTaskMetadataCache.OWNER_FIELD);
                Set<String> expected = a.equals(owner) ? tasksA.keySet() : b.equals(owner) ? tasksB.keySet() : Set.of();
                if (seen.size() != 202 || !seen.keySet().containsAll(expected)) {
                    synchronized (inconsistent) {
                        inconsistent.add(owner + " with " + seen.size() + " fields");
                    }
                }
            }
        });
        reader.start();
        for (int generation = 2; generation < 200 || reads.get() < 50; generation++) {
            boolean toB = generation % 2 == 0;
            cache.replaceCurrent(version(toB ? b : a, toB ? tasksB : tasksA), generation);
        }
        writing.set(false);
        reader.join();

        assertThat(reads.get()).isGreaterThanOrEqualTo(50);
        assertThat(inconsistent).isEmpty();
    }

    @Test
    void scriptsStillRunAfterRedisForgetsThem() {
        String worker = Ids.newId();
        cache.backfillByWorker(worker, "first", META);
        redis.execute((RedisCallback<Void>) connection -> {
            connection.scriptingCommands().scriptFlush();
            return null;
        });

        cache.backfillByWorker(worker, "second", META);

        assertThat(hash(workerKey(worker))).containsOnlyKeys("first", "second");
    }

    @Test
    void anUndecodableEntryIsAMiss() {
        redis.opsForHash().put(envKey(env), "task-a", "{not json");

        assertThat(cache.getCurrent(env, "task-a")).isEmpty();
    }

    @Test
    void reservedFieldsAreNeverReadAsTasks() {
        String worker = Ids.newId();
        cache.replaceCurrent(version(worker, Map.of("a", META)), 1);

        assertThat(cache.getCurrent(env, RedisTaskMetadataCache.OWNER_FIELD)).isEmpty();
    }

    @Test
    void anUnconfirmedViewIsDroppedOnlyWhileNoPromotionHasWrittenSince() {
        String stale = Ids.newId();
        String promoted = Ids.newId();
        cache.backfillCurrent(env, stale, "task-a", META);
        cache.dropUnconfirmedCurrent(env, promoted);
        assertThat(hash(envKey(env))).as("another owner's drop does nothing").containsKey("task-a");

        cache.dropUnconfirmedCurrent(env, stale);
        assertThat(redis.hasKey(envKey(env))).isFalse();

        cache.replaceCurrent(version(stale, Map.of("task-a", META)), 5);
        cache.dropUnconfirmedCurrent(env, stale);
        assertThat(hash(envKey(env))).as("a promotion's view is never dropped").containsKey("task-a");
    }

    @Test
    void registrationCachesVersionToWorkerAndTheQueueSet() {
        String worker = Ids.newId();

        cache.replaceWorker(new WorkerVersion(env, "1.2.3", worker, Map.of("t", META), Map.of("hello", "q-id", "b", "q-b")));

        assertThat(cache.getVersionWorker(env, "1.2.3")).contains(worker);
        assertThat(cache.getVersionWorker(Ids.newId(), "1.2.3")).as("versions are per environment").isEmpty();
        assertThat(cache.getWorkerQueues(worker)).contains(Map.of("hello", "q-id", "b", "q-b"));
        assertThat(cache.getByWorker(worker, TaskMetadataCache.QUEUES_FIELD)).as("never read as a task").isEmpty();
        assertThat(ttl("task-meta:versions:" + env)).isGreaterThan(86_400L);
        assertThat(redis.hasKey(envKey(env))).isFalse();
    }

    @Test
    void promotionCachesVersionToWorkerAndTheQueueSetButNotIntoTheEnvironmentView() {
        String worker = Ids.newId();

        cache.replaceCurrent(new WorkerVersion(env, "7", worker, Map.of("t", META), Map.of("hello", "q-id")), 3);

        assertThat(cache.getVersionWorker(env, "7")).contains(worker);
        assertThat(cache.getWorkerQueues(worker)).contains(Map.of("hello", "q-id"));
        assertThat(hash(envKey(env))).doesNotContainKey(TaskMetadataCache.QUEUES_FIELD).containsKey("t");
    }

    @Test
    void versionAndQueueBackfillsSlideTheIdleTtl() {
        String worker = Ids.newId();

        cache.backfillVersionWorker(env, "9", worker);
        cache.backfillWorkerQueues(worker, Map.of("x", "q-x"));

        assertThat(cache.getVersionWorker(env, "9")).contains(worker);
        assertThat(cache.getWorkerQueues(worker)).contains(Map.of("x", "q-x"));
        assertThat(ttl("task-meta:versions:" + env)).isGreaterThan(86_400L);
        assertThat(ttl(workerKey(worker))).isGreaterThan(86_400L);
    }

    @Test
    void anUndecodableQueueSetIsAMiss() {
        String worker = Ids.newId();
        redis.opsForHash().put(workerKey(worker), TaskMetadataCache.QUEUES_FIELD, "{\"a\": 1}");

        assertThat(cache.getWorkerQueues(worker)).isEmpty();
    }
}
