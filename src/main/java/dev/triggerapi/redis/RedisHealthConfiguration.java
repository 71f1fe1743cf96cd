package dev.triggerapi.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Health component {@code redis}, replacing Boot's (same bean name, so its indicator backs off). Boot's logs
 * every failed check as a WARN with the whole stack trace, which on a busy machine happened at every start: the
 * first connection's handshake can outlast {@code REDIS_COMMAND_TIMEOUT_MS} while the JVM is still warming up, and
 * the next check is UP. Redis is non-critical here (the service degrades around it), so a failed check is DOWN
 * with the reason as a detail and one WARN line, at most one per minute.
 */
@Configuration(proxyBeanMethods = false)
class RedisHealthConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RedisHealthConfiguration.class);
    private static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

    @Bean
    HealthIndicator redisHealthContributor(RedisConnectionFactory connections) {
        AtomicReference<Instant> lastLogged = new AtomicReference<>(Instant.MIN);
        return () -> {
            try (RedisConnection connection = connections.getConnection()) {
                Properties info = connection.serverCommands().info("server");
                return Health.up().withDetail("version", info == null ? "unknown" : info.getProperty("redis_version", "unknown"))
                        .build();
            } catch (RuntimeException e) {
                String reason = rootMessage(e);
                Instant now = Instant.now();
                Instant previous = lastLogged.get();
                if (previous.plus(LOG_INTERVAL).isBefore(now) && lastLogged.compareAndSet(previous, now)) {
                    log.warn("Redis health check: DOWN ({})", reason);
                }
                return Health.down().withDetail("error", reason).build();
            }
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
