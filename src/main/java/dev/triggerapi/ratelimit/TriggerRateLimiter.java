package dev.triggerapi.ratelimit;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.redis.LuaScript;
import dev.triggerapi.redis.RedisFailOpen;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Charges an environment's trigger requests against its token bucket ({@code redis/trigger-rate-limit-token-bucket.lua})
 * and answers 429 when the bucket cannot pay.
 *
 * <p>Every checked response carries {@code X-RateLimit-Limit} (the burst), {@code X-RateLimit-Remaining} (whole
 * tokens left) and {@code X-RateLimit-Reset}; a 429 also {@code Retry-After} in seconds. {@code X-RateLimit-Reset}
 * is a Unix time in <em>milliseconds</em>, because that is how the official SDK reads it to schedule its retry:
 * when the bucket is full again on an allowed request, when this request could pass on a limited one.
 *
 * <p>The client is the shared {@link StringRedisTemplate} (Lettuce): {@link RedisScript} already does
 * {@code EVALSHA} with the {@code EVAL} fallback, and its command timeout ({@code REDIS_COMMAND_TIMEOUT_MS}) bounds
 * how long a trigger can wait on a slow Redis. The Jedis pool of the task-metadata cache would save tens of
 * microseconds per call, which disappears next to the trigger's own Postgres transaction, and would be a second
 * pool to size and configure.
 *
 * <p>Fails open: the limiter protects Postgres from a noisy tenant, and refusing every trigger because Redis is
 * down would turn a cache outage into a full outage. A failure is counted
 * ({@code rate_limit.trigger.fail_open{reason}}), logged at most every ten seconds, and Redis is left alone for
 * {@code failureBackoff}; such responses carry no rate-limit headers.
 */
@Service
public class TriggerRateLimiter {

    private static final Logger log = LoggerFactory.getLogger(TriggerRateLimiter.class);
    private static final RedisScript<List> TOKEN_BUCKET =
            LuaScript.load("trigger-rate-limit-token-bucket.lua").redisScript(List.class);

    static final String LIMIT_HEADER = "X-RateLimit-Limit";
    static final String REMAINING_HEADER = "X-RateLimit-Remaining";
    static final String RESET_HEADER = "X-RateLimit-Reset";

    private final StringRedisTemplate redis;
    private final TriggerRateLimitProperties settings;
    private final String refillRate;
    private final String burst;
    private final Counter allowed;
    private final Counter limited;
    private final Counter failedOpenOnError;
    private final Counter failedOpenInBackoff;
    private final RedisFailOpen failOpen;

    TriggerRateLimiter(StringRedisTemplate redis, TriggerRateLimitProperties settings, Clock clock, MeterRegistry meters) {
        this.redis = redis;
        this.settings = settings;
        this.refillRate = Double.toString(settings.refillPerSecond());
        this.burst = Integer.toString(settings.burst());
        this.allowed = decisions(meters, "allowed");
        this.limited = decisions(meters, "limited");
        this.failedOpenOnError = failOpen(meters, "redis_error");
        this.failedOpenInBackoff = failOpen(meters, "backoff");
        this.failOpen = new RedisFailOpen(clock, settings.failureBackoff(), log);
    }

    /**
     * Takes {@code runs} tokens from the environment's bucket (at least one, at most the burst) and sets the
     * rate-limit headers on {@code response}.
     *
     * @throws ApiException 429 with {@code Retry-After} when the bucket holds too few tokens
     */
    public void charge(AuthenticatedEnvironment environment, int runs, HttpServletResponse response) {
        if (!settings.enabled()) {
            return;
        }
        int cost = Math.max(1, Math.min(runs, settings.burst()));
        Decision decision = decide(environment.id(), cost);
        if (decision == null) {
            return;
        }
        if (decision.allowed()) {
            allowed.increment();
            headers(decision, decision.fullAfterMs()).forEach(response::setHeader);
            return;
        }
        limited.increment();
        Map<String, String> headers = new LinkedHashMap<>(headers(decision, decision.retryAfterMs()));
        headers.put(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (decision.retryAfterMs() + 999) / 1000)));
        throw new ApiException(HttpStatus.TOO_MANY_REQUESTS,
                "Rate limit exceeded: this environment may trigger " + settings.burst() + " runs at once and "
                        + settings.refillPerSecond() + " per second; retry after the Retry-After header's seconds",
                headers);
    }

    private Map<String, String> headers(Decision decision, long resetInMs) {
        return Map.of(LIMIT_HEADER, burst,
                REMAINING_HEADER, Long.toString(decision.remaining()),
                RESET_HEADER, Long.toString(decision.redisNowMs() + resetInMs));
    }

    /** The bucket's answer, or null when Redis could not be asked (fail open). */
    private Decision decide(String environmentId, int cost) {
        if (failOpen.backingOff()) {
            failedOpenInBackoff.increment();
            return null;
        }
        try {
            List<?> reply = redis.execute(TOKEN_BUCKET, List.of(settings.keyPrefix() + environmentId),
                    refillRate, burst, Integer.toString(cost));
            return Decision.of(reply);
        } catch (RuntimeException e) {
            // Timeouts and connection failures alike: Redis is unhealthy, and asking it again on every trigger
            // would add a command timeout to each one.
            failOpen.backOff();
            failedOpenOnError.increment();
            failOpen.log("Trigger rate limit unavailable, letting triggers through for {} ms: {}",
                    settings.failureBackoff().toMillis(), e.toString());
            return null;
        }
    }

    private static Counter decisions(MeterRegistry meters, String outcome) {
        return Counter.builder("rate_limit.trigger.decisions").tag("outcome", outcome)
                .description("Trigger requests checked against their environment's rate limit")
                .register(meters);
    }

    private static Counter failOpen(MeterRegistry meters, String reason) {
        return Counter.builder("rate_limit.trigger.fail_open").tag("reason", reason)
                .description("Trigger requests let through unchecked because Redis failed or was backed off")
                .register(meters);
    }

    /** The token bucket script's reply. */
    private record Decision(boolean allowed, long remaining, long retryAfterMs, long fullAfterMs, long redisNowMs) {

        static Decision of(List<?> reply) {
            if (reply == null || reply.size() != 5) {
                throw new IllegalStateException("Unexpected token bucket reply: " + reply);
            }
            return new Decision(number(reply, 0) == 1, number(reply, 1), number(reply, 2), number(reply, 3),
                    number(reply, 4));
        }

        private static long number(List<?> reply, int index) {
            Object value = reply.get(index);
            if (value instanceof Number number) {
                return number.longValue();
            }
            // Integer replies arrive as numbers; a serializer may still hand them over as text.
            return Long.parseLong(value instanceof byte[] bytes
                    ? new String(bytes, java.nio.charset.StandardCharsets.US_ASCII) : String.valueOf(value));
        }
    }
}
