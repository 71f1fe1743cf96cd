package dev.triggerapi.trigger;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import dev.triggerapi.redis.RedisFailOpen;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Remembers which run a request created, keyed by the SDK's {@code x-trigger-request-idempotency-key} (one
 * random key per logical call, constant across its retries) and scoped to (environment, task), for 24 h. A
 * retry whose first response was lost then gets the original run instead of creating a second one. Redis
 * failures fail open through the shared {@link RedisFailOpen}: the trigger proceeds as if the key were new, and the
 * failure is counted and logged (a warning at most every ten seconds).
 *
 * <p>Unlike the cache and the rate limiter it takes no back-off window: the shared client already refuses commands
 * at once while disconnected ({@code RedisFailFastConfiguration}), so skipping Redis would save nothing, and it
 * would drop deduplication of retries for a while after Redis is back.
 */
@Component
class RequestIdempotency {

    static final String HEADER = "x-trigger-request-idempotency-key";
    private static final Logger log = LoggerFactory.getLogger(RequestIdempotency.class);
    private static final Duration REMEMBER_FOR = Duration.ofHours(24);
    private static final int MAX_KEY_LENGTH = 256;

    private final StringRedisTemplate redis;
    private final Counter failures;
    private final RedisFailOpen failOpen;

    RequestIdempotency(StringRedisTemplate redis, MeterRegistry meters, Clock clock) {
        this.redis = redis;
        this.failOpen = new RedisFailOpen(clock, Duration.ZERO, log);
        this.failures = Counter.builder("trigger.request_idempotency.redis_errors")
                .description("Redis errors while reading or writing request idempotency keys (failed open)")
                .register(meters);
    }

    /** The run an earlier attempt of this request created, if any. */
    Optional<String> previousRun(String environmentId, String taskId, String requestKey) {
        if (!usable(requestKey)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(redis.opsForValue().get(key(environmentId, taskId, requestKey)));
        } catch (RuntimeException e) {
            failures.increment();
            failOpen.log("Request idempotency lookup failed, continuing without it: {}", e.getMessage());
            return Optional.empty();
        }
    }

    void remember(String environmentId, String taskId, String requestKey, String runFriendlyId) {
        if (!usable(requestKey)) {
            return;
        }
        try {
            redis.opsForValue().setIfAbsent(key(environmentId, taskId, requestKey), runFriendlyId, REMEMBER_FOR);
        } catch (RuntimeException e) {
            failures.increment();
            failOpen.log("Request idempotency write failed, continuing without it: {}", e.getMessage());
        }
    }

    private static boolean usable(String requestKey) {
        return requestKey != null && !requestKey.isBlank() && requestKey.length() <= MAX_KEY_LENGTH;
    }

    private static String key(String environmentId, String taskId, String requestKey) {
        return "trigger:request-idempotency:" + environmentId + ":" + taskId + ":" + requestKey;
    }
}
