package dev.triggerapi.redis;

import io.lettuce.core.ClientOptions;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Makes the default Redis client (Lettuce: request idempotency, realtime change records and pub/sub, the
 * replication leader lock) refuse commands at once while its connection is down.
 *
 * <p>Lettuce's default queues a command issued while it reconnects and fails it only at the command timeout, so
 * during a Redis outage every Redis call of a request cost a full {@code REDIS_COMMAND_TIMEOUT_MS} (a trigger with a
 * request idempotency key makes two: it took twice the timeout). Rejecting them instead lets every caller fail open
 * immediately; the connection still reconnects in the background and commands flow again once it has. A Redis
 * that is reachable but slow is still bounded by the command timeout.
 */
@Configuration(proxyBeanMethods = false)
class RedisFailFastConfiguration {

    @Bean
    LettuceClientOptionsBuilderCustomizer rejectCommandsWhileDisconnected() {
        return options -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }
}
