package dev.triggerapi.taskmeta;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;
import redis.clients.jedis.HostAndPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * Chooses the cache implementation: Redis when {@code trigger-api.task-meta-cache.enabled} (behind the in-process
 * near cache unless {@code trigger-api.task-meta-cache.near.enabled} is false), otherwise the no-op cache. The Redis cache owns its connection pool (own settings, own timeouts), so it does not
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
        RedisTaskMetadataCache redis = RedisTaskMetadataCache.connect(properties, new TaskMetadataCodec(json), meters,
                clock);
        TaskMetaCacheProperties.Near near = properties.near();
        if (!near.enabled()) {
            return redis;
        }
        TaskMetaCacheProperties.Redis settings = properties.redis();
        return new NearTaskMetadataCache(redis, near, meters, (onEnvironment, onLinkChange) ->
                new TaskMetaInvalidations(new HostAndPort(settings.host(), settings.port()),
                        RedisTaskMetadataCache.clientConfig(settings, "trigger-api-task-meta-invalidations"),
                        redis.invalidationChannel(), redis.envKey(""), near.pingInterval(), near.livenessTimeout(),
                        near.reconnectDelay(), clock, onEnvironment, onLinkChange));
    }
}
