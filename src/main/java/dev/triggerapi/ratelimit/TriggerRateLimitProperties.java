package dev.triggerapi.ratelimit;

import java.time.Duration;

import dev.triggerapi.duration.NonNegativeDuration;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Per-environment rate limit of triggers ({@code trigger-api.rate-limit.trigger.*}): a token bucket in Redis that
 * refills continuously. A single trigger costs one token, a batch one token per run (capped at the burst, so a
 * batch larger than the burst still passes on a full bucket and empties it).
 *
 * @param enabled          limit triggers ({@code RATE_LIMIT_TRIGGER_ENABLED}, default true)
 * @param refillPerSecond  tokens added per second, the sustained trigger rate of one environment
 *                         ({@code RATE_LIMIT_TRIGGER_REFILL_PER_SECOND}, default 100; fractions allowed)
 * @param burst            bucket capacity, the most runs one environment can trigger at once after being idle
 *                         ({@code RATE_LIMIT_TRIGGER_BURST}, default 1000: a full 1,000-run batch passes)
 * @param keyPrefix        Redis key prefix of the buckets ({@code RATE_LIMIT_TRIGGER_KEY_PREFIX}, default
 *                         {@code rate-limit:trigger:}); the environment id follows it
 * @param failureBackoff   after a Redis error or timeout, how long triggers pass unchecked before Redis is asked
 *                         again ({@code RATE_LIMIT_TRIGGER_REDIS_FAILURE_BACKOFF_MS}, default 1 s), so a dead Redis
 *                         costs one command timeout per period instead of one per trigger
 */
@ConfigurationProperties("trigger-api.rate-limit.trigger")
@Validated
public record TriggerRateLimitProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("100") @Positive double refillPerSecond,
        @DefaultValue("1000") @Min(1) int burst,
        @DefaultValue("rate-limit:trigger:") @NotBlank String keyPrefix,
        @DefaultValue("1s") @NonNegativeDuration Duration failureBackoff) {
}
