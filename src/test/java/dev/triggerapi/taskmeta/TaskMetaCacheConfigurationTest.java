package dev.triggerapi.taskmeta;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import dev.triggerapi.datasource.ReadSource;
import dev.triggerapi.datasource.ReplicaFirstReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The disabled cache: a no-op that sends every lookup to the database and never fails a write. */
class TaskMetaCacheConfigurationTest {

    private static final TaskMetadata META = new TaskMetadata("10m", "STANDARD", "q", "queue");

    private static TaskMetaCacheProperties properties(boolean enabled) {
        return new TaskMetaCacheProperties(enabled, "task-meta:", 86_400, 2_592_000,
                new TaskMetaCacheProperties.Redis("localhost", 6379, "", 0, Duration.ofMillis(250), Duration.ofSeconds(1),
                        64, Duration.ofSeconds(1)), near(false));
    }

    static TaskMetaCacheProperties.Near near(boolean enabled) {
        return new TaskMetaCacheProperties.Near(enabled, 1_000, Duration.ofSeconds(10), Duration.ofMillis(500),
                Duration.ofMillis(1500), Duration.ofSeconds(1));
    }

    @Test
    void disabledCacheIsTheNoOpImplementation() {
        TaskMetadataCache cache = new TaskMetaCacheConfiguration().taskMetadataCache(properties(false),
                JsonMapper.builder().build(), new SimpleMeterRegistry(), Clock.systemUTC());

        assertThat(cache).isInstanceOf(NoOpTaskMetadataCache.class);
        cache.replaceCurrent(new WorkerVersion("env", "1", "w", Map.of("t", META), Map.of()), 1);
        cache.backfillCurrent("env", "w", "t", META);
        assertThat(cache.getCurrent("env", "t")).isEmpty();
        assertThat(cache.getByWorker("w", "t")).isEmpty();
    }

    @Test
    void withTheNoOpCacheEveryLookupGoesToTheDatabase() {
        TaskMetadataReader reader = new TaskMetadataReader(TaskMetadataCache.disabled());
        AtomicInteger queries = new AtomicInteger();

        for (int i = 0; i < 3; i++) {
            TaskMetadataLookup<TaskMetadata> lookup = reader.current("env", "t", () -> {
                queries.incrementAndGet();
                return Optional.of(new WorkerTaskMetadata("w", META));
            }, () -> Optional.of("w"));
            assertThat(lookup).isEqualTo(new TaskMetadataLookup<>(Optional.of(META), MetadataSource.WRITER));
            TaskMetadataLookup<TaskMetadata> locked = reader.byWorker("w", "t", () -> {
                queries.incrementAndGet();
                return new ReplicaFirstReader.Result<>(Optional.of(META), ReadSource.REPLICA);
            });
            assertThat(locked).isEqualTo(new TaskMetadataLookup<>(Optional.of(META), MetadataSource.REPLICA));
        }
        assertThat(queries).hasValue(6);
    }

    @Test
    void anUnreachableRedisIsAMissAndACountedErrorNeverAFailureWithTheNearCacheInFront() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TaskMetaCacheProperties unreachable = new TaskMetaCacheProperties(true, "task-meta:", 86_400, 2_592_000,
                new TaskMetaCacheProperties.Redis("127.0.0.1", 1, "", 0, Duration.ofMillis(250), Duration.ofMillis(250),
                        4, Duration.ofSeconds(1)), near(true));
        TaskMetadataCache cache = new TaskMetaCacheConfiguration().taskMetadataCache(unreachable,
                JsonMapper.builder().build(), meters, Clock.systemUTC());
        try {
            assertThat(cache.getCurrent("env", "t")).isEmpty();
            cache.backfillCurrent("env", "w", "t", META);

            assertThat(meters.get("task_meta_cache.errors").tag("operation", "get").counter().count()).isEqualTo(1);
            // Within the failure backoff the back-fill is skipped without touching the network, and still counted.
            assertThat(meters.get("task_meta_cache.errors").tag("operation", "backfill").counter().count()).isEqualTo(1);
        } finally {
            assertThat(cache).isInstanceOf(NearTaskMetadataCache.class);
            assertThat(((NearTaskMetadataCache) cache).live()).isFalse();
            ((NearTaskMetadataCache) cache).destroy();
        }
    }
}
