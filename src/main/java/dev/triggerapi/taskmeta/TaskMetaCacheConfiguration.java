package dev.triggerapi.taskmeta;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * Chooses the cache implementation: Redis when {@code trigger-api.task-meta-cache.enabled}, otherwise the no-op
 * cache. The Redis cache owns its connection pool (own settings, own timeouts), so it does not
 * replace or disturb the application's default Redis connection factory.
 */
@Configuration(proxyBeanMethods = false)
class TaskMetaCacheConfiguration {

    @Bean
    TaskMetadataCache taskMetadataCache(TaskMetaCacheProperties properties, JsonMapper json, MeterRegistry meters,
                                        Clock clock) {
        if (!properties.enabled()) {
            return TaskMetadataCache.disabled();
        }
        return RedisTaskMetadataCache.connect(properties, new TaskMetadataCodec(json), meters, clock);
    }
}
