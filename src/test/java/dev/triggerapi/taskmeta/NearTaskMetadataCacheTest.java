package dev.triggerapi.taskmeta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The near cache against the real Redis, with a second instance built on the same Redis: a promotion written by
 * one instance reaches the other's memory within the documented window, and a lost Redis makes the near cache
 * stop serving the current key space until its invalidations flow again.
 */
@IntegrationTest
class NearTaskMetadataCacheTest {

    private static final TaskMetadata OLD = new TaskMetadata("10m", "STANDARD", "q-old", "old");
    private static final TaskMetadata NEW = new TaskMetadata("20m", "STANDARD", "q-new", "new");

    @Autowired
    TaskMetadataCache cache;
    @Autowired
    TaskMetaCacheProperties properties;
    @Autowired
    JsonMapper json;
    @Autowired
    StringRedisTemplate redis;

    private final SimpleMeterRegistry otherMeters = new SimpleMeterRegistry();
    private NearTaskMetadataCache other;
    private final String env = Ids.newId();

    /** The documented bound: a message is late by more than this only if the pings behind it are too. */
    private Duration window() {
        return properties.near().livenessTimeout().plus(properties.near().pingInterval());
    }

    private NearTaskMetadataCache secondInstance() {
        other = (NearTaskMetadataCache) new TaskMetaCacheConfiguration().taskMetadataCache(properties, json,
                otherMeters, Clock.systemUTC());
        await().atMost(Duration.ofSeconds(30)).until(other::live);
        return other;
    }

    @AfterEach
    void closeSecondInstance() throws Exception {
        if (other != null) {
            other.destroy();
        }
    }

    private WorkerVersion worker(String workerId, TaskMetadata task) {
        return new WorkerVersion(env, "v-" + workerId, workerId, Map.of("task", task), Map.of(task.queueName(),
                task.queueId()));
    }

    private double hits(String keySpace) {
        return otherMeters.get("task_meta_cache.near.lookups").tag("key_space", keySpace).tag("result", "hit")
                .counter().count();
    }

    @Test
    void theContextsCacheIsTheNearCacheInFrontOfRedis() {
        assertThat(cache).isInstanceOf(NearTaskMetadataCache.class);
        await().atMost(Duration.ofSeconds(30)).until(((NearTaskMetadataCache) cache)::live);
    }

    @Test
    void aPromotionOnOneInstanceReachesTheOtherInstancesMemoryWithinTheWindow() {
        String oldWorker = Ids.newId();
        cache.replaceCurrent(worker(oldWorker, OLD), 1);
        NearTaskMetadataCache there = secondInstance();
        assertThat(there.getCurrent(env, "task")).contains(OLD);
        assertThat(there.getCurrent(env, "task")).contains(OLD);
        assertThat(hits("current")).as("the second read was served from memory").isEqualTo(1);

        cache.replaceCurrent(worker(Ids.newId(), NEW), 2);
        long written = System.nanoTime();

        await().atMost(window()).pollInterval(Duration.ofMillis(1))
                .until(() -> there.getCurrent(env, "task"), Optional.of(NEW)::equals);
        long seenMs = (System.nanoTime() - written) / 1_000_000;
        System.out.printf("near cache: promotion visible on the other instance after %d ms (window %d ms)%n", seenMs,
                window().toMillis());
        // And it stays new: the old value cannot come back from a load that raced with the message.
        for (int i = 0; i < 100; i++) {
            assertThat(there.getCurrent(env, "task")).contains(NEW);
        }
    }

    @Test
    void aCurrentHashRecreatedOrDroppedIsAnnounced() {
        assertThat(cache.backfillCurrent(env, Ids.newId(), "task", OLD))
                .isEqualTo(TaskMetadataCache.CurrentBackfill.CREATED);
        NearTaskMetadataCache there = secondInstance();
        assertThat(there.getCurrent(env, "task")).contains(OLD);

        // The hash expires (no message for that): memory keeps the last content, for at most currentMaxAge.
        redis.delete("task-meta:env:" + env);
        assertThat(there.getCurrent(env, "task")).contains(OLD);

        // A back-fill re-creates it for another worker: announced, so the old copy goes.
        String second = Ids.newId();
        assertThat(cache.backfillCurrent(env, second, "task", NEW)).isEqualTo(TaskMetadataCache.CurrentBackfill.CREATED);
        await().atMost(window()).until(() -> there.getCurrent(env, "task"), Optional.of(NEW)::equals);

        // The writer did not confirm that owner: the hash is dropped, and so is every instance's copy.
        cache.dropUnconfirmedCurrent(env, second);
        await().atMost(window()).until(() -> there.getCurrent(env, "task").isEmpty());
    }

    @Test
    void workerVersionsAreServedFromMemoryWithoutInvalidation() {
        String workerId = Ids.newId();
        cache.replaceWorker(worker(workerId, OLD));
        NearTaskMetadataCache there = secondInstance();
        for (int i = 0; i < 3; i++) {
            assertThat(there.getByWorker(workerId, "task")).contains(OLD);
            assertThat(there.getVersionWorker(env, "v-" + workerId)).contains(workerId);
            assertThat(there.getWorkerQueues(workerId)).contains(Map.of("old", "q-old"));
        }
        assertThat(hits("immutable")).isEqualTo(6);
        // Never a cached "not found".
        assertThat(there.getByWorker(workerId, "missing")).isEmpty();
        cache.backfillByWorker(workerId, "missing", NEW);
        assertThat(there.getByWorker(workerId, "missing")).contains(NEW);
    }

    @Test
    void withRedisStoppedTheCurrentKeySpaceIsReadFromRedisAgainAndTheLinkComesBack() {
        cache.replaceCurrent(worker(Ids.newId(), OLD), 1);
        String workerId = Ids.newId();
        cache.replaceWorker(worker(workerId, OLD));
        NearTaskMetadataCache there = secondInstance();
        assertThat(there.getCurrent(env, "task")).contains(OLD);
        assertThat(there.getByWorker(workerId, "task")).contains(OLD);

        Cluster.get().stopRedis();
        try {
            await().atMost(window()).until(() -> !there.live());
            // Nothing current from memory: the read goes to Redis, which is down, and fails open as a miss (the
            // resolver then asks the writer). Immutable worker versions are still right.
            assertThat(there.getCurrent(env, "task")).isEmpty();
            assertThat(there.getByWorker(workerId, "task")).contains(OLD);
        } finally {
            Cluster.get().startRedis();
        }
        await().atMost(Duration.ofSeconds(30)).until(there::live);
        // The restarted Redis is empty: nothing current is served until something writes it again.
        assertThat(there.getCurrent(env, "task")).isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            cache.replaceCurrent(worker(Ids.newId(), NEW), 3);
            return there.getCurrent(env, "task").equals(Optional.of(NEW));
        });
    }
}
