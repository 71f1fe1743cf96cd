package dev.triggerapi.taskmeta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import redis.clients.jedis.Jedis;

/**
 * A current-view write (promotion, DEVELOPMENT registration) that does not reach Redis, against the real Redis and
 * the context's cache (near cache in front): Redis refuses the write (no permission to run scripts) or times it
 * out ({@code CLIENT PAUSE ... WRITE}) while it keeps serving reads of the previous current worker. That stale hash
 * must never be served: this instance resolves the environment on the writer until the hash is dropped, the drop
 * lands once Redis takes writes again (so no instance reads it any more), it never removes a newer promotion's
 * hash, and it never writes the lost view itself (it could be older than what Redis has by then).
 */
@IntegrationTest
class CurrentViewRepairTest {

    private static final TaskMetadata OLD = new TaskMetadata("10m", "STANDARD", "q-old", "old");
    private static final TaskMetadata NEW = new TaskMetadata("20m", "STANDARD", "q-new", "new");
    private static final TaskMetadata NEWER = new TaskMetadata("30m", "STANDARD", "q-newer", "newer");

    @Autowired
    TaskMetadataCache cache;
    @Autowired
    StringRedisTemplate redis;
    @Autowired
    MeterRegistry meters;
    @Autowired
    TaskMetaCacheProperties properties;

    private final String env = Ids.newId();

    private WorkerVersion worker(String workerId, TaskMetadata task) {
        return new WorkerVersion(env, "v-" + workerId, workerId, Map.of("task", task),
                Map.of(task.queueName(), task.queueId()));
    }

    /** Redis refuses writes (scripts included) for {@code millis}; reads go on. Far above the 250 ms timeout. */
    private void pauseRedisWrites(long millis) {
        redis.execute((RedisCallback<Object>) connection -> connection.execute("CLIENT",
                "PAUSE".getBytes(StandardCharsets.US_ASCII),
                Long.toString(millis).getBytes(StandardCharsets.US_ASCII),
                "WRITE".getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * Runs {@code body} while Redis answers every script with an error ({@code NOPERM}: the connections' user may
     * not run EVAL or EVALSHA) and serves reads, as a Redis that refuses writes (demoted to replica, out of memory)
     * does: no timeout, so no fail-open back-off hides the stale hash.
     */
    private void withRedisRefusingWrites(Runnable body) {
        try (Jedis jedis = new Jedis(properties.redis().host(), properties.redis().port())) {
            jedis.aclSetUser("default", "-eval", "-evalsha");
            try {
                body.run();
            } finally {
                jedis.aclSetUser("default", "+eval", "+evalsha");
            }
        }
    }

    /**
     * The owner field as Redis holds it, read on a connection of its own: the application's shared, multiplexed
     * connection may have a paused write queued ahead of the read.
     */
    private String ownerInRedis() {
        try (Jedis jedis = new Jedis(properties.redis().host(), properties.redis().port())) {
            return jedis.hget("task-meta:env:" + env, RedisTaskMetadataCache.OWNER_FIELD);
        }
    }

    private double pendingRepairs() {
        return meters.get("task_meta_cache.current_repairs").gauge().value();
    }

    /** {@code workerId} (task metadata {@link #OLD}) is the environment's current worker, read through the cache. */
    private void currentIs(String workerId) {
        cache.replaceCurrent(worker(workerId, OLD), 1);
        // (Awaited: a timeout in an earlier test leaves the cache's fail-open back-off on for a second.)
        await().atMost(Duration.ofSeconds(15)).until(() -> cache.getCurrent(env, "task"), Optional.of(OLD)::equals);
    }

    /**
     * Once Redis takes writes again, the stale hash is dropped (not rewritten): every instance then misses and
     * rebuilds the view from the writer, as a back-fill does here.
     */
    private void theStaleHashIsDropped(String newWorker) {
        await().atMost(Duration.ofSeconds(15)).until(() -> ownerInRedis() == null);
        await().atMost(Duration.ofSeconds(15)).until(() -> pendingRepairs() == 0);
        assertThat(cache.backfillCurrent(env, newWorker, "task", NEW)).isEqualTo(TaskMetadataCache.CurrentBackfill.CREATED);
        await().atMost(Duration.ofSeconds(15)).until(() -> cache.getCurrent(env, "task"), Optional.of(NEW)::equals);
    }

    @Test
    void aPromotionWhoseCacheWriteWasRefusedIsNeverAnsweredWithThePreviousWorker() {
        String oldWorker = Ids.newId();
        String newWorker = Ids.newId();
        currentIs(oldWorker);

        withRedisRefusingWrites(() -> {
            cache.replaceCurrent(worker(newWorker, NEW), 2);
            // The premise: Redis still holds the previous worker and serves it to anyone who asks.
            assertThat(ownerInRedis()).isEqualTo(oldWorker);
            // This instance does not: a miss, so the resolver reads the current worker on the writer.
            for (int i = 0; i < 20; i++) {
                assertThat(cache.getCurrent(env, "task")).isEmpty();
            }
            assertThat(pendingRepairs()).isGreaterThanOrEqualTo(1);
        });

        theStaleHashIsDropped(newWorker);
    }

    @Test
    void aPromotionWhoseCacheWriteTimedOutHasItsStaleHashDroppedOnceRedisTakesWritesAgain() {
        String oldWorker = Ids.newId();
        String newWorker = Ids.newId();
        currentIs(oldWorker);

        pauseRedisWrites(1_000);
        cache.replaceCurrent(worker(newWorker, NEW), 2);

        // The premise: Redis still holds the previous worker and serves it to anyone who asks.
        assertThat(ownerInRedis()).isEqualTo(oldWorker);
        // This instance does not: a miss (the resolver then reads the writer), or the new worker once repaired.
        for (int i = 0; i < 20; i++) {
            assertThat(cache.getCurrent(env, "task")).isNotEqualTo(Optional.of(OLD));
        }
        // Without the repair the previous worker would stay current in Redis for the hash's TTL (a day).
        theStaleHashIsDropped(newWorker);
    }

    @Test
    void theRepairNeverRemovesANewerPromotion() {
        String oldWorker = Ids.newId();
        cache.replaceCurrent(worker(oldWorker, OLD), 10);

        withRedisRefusingWrites(() -> cache.replaceCurrent(worker(Ids.newId(), NEW), 11));
        assertThat(ownerInRedis()).isEqualTo(oldWorker);

        // A later promotion reaches Redis at once, before the repair for generation 11 (its first attempt waits
        // at least 100 ms), which then finds a newer generation and leaves the hash alone.
        String newestWorker = Ids.newId();
        cache.replaceCurrent(worker(newestWorker, NEWER), 12);
        assertThat(ownerInRedis()).isEqualTo(newestWorker);
        await().atMost(Duration.ofSeconds(15)).until(() -> pendingRepairs() == 0);
        assertThat(ownerInRedis()).isEqualTo(newestWorker);
        // Read through the cache once its fail-open back-off (after the timed-out writes) is over.
        await().atMost(Duration.ofSeconds(15)).until(() -> cache.getCurrent(env, "task"), Optional.of(NEWER)::equals);
    }
}
