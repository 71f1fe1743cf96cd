package dev.triggerapi.taskmeta;

import java.time.Duration;

import dev.triggerapi.duration.NonNegativeDuration;
import dev.triggerapi.duration.PositiveDuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the task-metadata cache ({@code trigger-api.task-meta-cache.*}).
 *
 * @param enabled               use Redis ({@code TASK_META_CACHE_ENABLED}, default true); false = every
 *                              trigger reads Postgres
 * @param keyPrefix             prefix of both key spaces ({@code TASK_META_CACHE_KEY_PREFIX}, default
 *                              {@code task-meta:})
 * @param currentEnvTtlSeconds  safety TTL of an environment hash ({@code TASK_META_CACHE_CURRENT_ENV_TTL_SECONDS},
 *                              default 24 h); bounds staleness, never extended by back-fill
 * @param byWorkerTtlSeconds    idle TTL of a by-worker hash ({@code TASK_META_CACHE_BY_WORKER_TTL_SECONDS},
 *                              default 30 days); refreshed on each back-fill
 * @param redis                 the cache's own Redis connection; unset values fall back to the default Redis
 * @param near                  the in-process near cache in front of Redis
 */
@ConfigurationProperties("trigger-api.task-meta-cache")
@Validated
public record TaskMetaCacheProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("task-meta:") @NotBlank String keyPrefix,
        @DefaultValue("86400") @Positive long currentEnvTtlSeconds,
        @DefaultValue("2592000") @Positive long byWorkerTtlSeconds,
        @DefaultValue @Valid @NotNull Redis redis,
        @DefaultValue @Valid @NotNull Near near) {

    /**
     * The in-process near cache ({@code TASK_META_CACHE_NEAR_*}; README "Task-metadata near cache").
     *
     * @param enabled         keep hits in memory ({@code TASK_META_CACHE_NEAR_ENABLED}, default true)
     * @param maximumSize     entries per key space (default 100,000), least recently used evicted first
     * @param currentMaxAge   longest a current-worker entry is served from memory without Redis (default 10 s):
     *                        a backstop for changes no message reports (a Redis hash expiring); promotions and
     *                        registrations invalidate at once through the invalidation channel
     * @param pingInterval    how often the invalidation subscription is pinged (default 500 ms)
     * @param livenessTimeout a subscription whose pings go unanswered this long is treated as lost: current-worker
     *                        entries are dropped and read from Redis until it is back (default 1500 ms)
     * @param reconnectDelay  pause before re-subscribing after the subscription was lost (default 1 s)
     */
    public record Near(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("100000") @Min(1) long maximumSize,
            @DefaultValue("10s") @NonNegativeDuration Duration currentMaxAge,
            @DefaultValue("500ms") @PositiveDuration Duration pingInterval,
            @DefaultValue("1500ms") @PositiveDuration Duration livenessTimeout,
            @DefaultValue("1s") @NonNegativeDuration Duration reconnectDelay) {
    }

    /**
     * The cache's Redis ({@code TASK_META_CACHE_REDIS_*}, each falling back to the matching {@code REDIS_*}).
     *
     * @param host           host
     * @param port           port
     * @param password       password, empty for none
     * @param database       database index (default 0)
     * @param commandTimeout how long a cache command may take before it counts as a miss (default 250 ms):
     *                       Postgres answers within a few ms, so waiting longer on Redis only adds latency
     * @param connectTimeout connect timeout (default 1 s)
     * @param poolSize       connections in the pool (default 64): one per concurrently triggering thread
     * @param failureBackoff after a connection failure, how long the cache is skipped (read as a miss) before
     *                       Redis is tried again (default 1 s)
     */
    public record Redis(
            @DefaultValue("localhost") @NotBlank String host,
            @DefaultValue("6379") @Min(1) @Max(65535) int port,
            @DefaultValue("") String password,
            @DefaultValue("0") @Min(0) int database,
            @DefaultValue("250ms") @PositiveDuration Duration commandTimeout,
            @DefaultValue("1s") @PositiveDuration Duration connectTimeout,
            @DefaultValue("64") @Min(1) int poolSize,
            @DefaultValue("1s") @NonNegativeDuration Duration failureBackoff) {
    }
}
