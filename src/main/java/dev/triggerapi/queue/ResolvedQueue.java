package dev.triggerapi.queue;

import java.time.Duration;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.triggerapi.deployment.TriggerSource;
import dev.triggerapi.duration.Durations;

/**
 * Where a run goes and with which defaults.
 *
 * @param queueName        sanitised queue name
 * @param lockedQueueId    the queue row, for version-locked runs; null otherwise
 * @param lockedToWorkerId the locked worker version (internal id), or null
 * @param ttl              effective ttl (per-trigger, else the task's), or null
 * @param triggerSource    the task's trigger source (STANDARD when unknown)
 */
public record ResolvedQueue(String queueName, String lockedQueueId, String lockedToWorkerId, String ttl,
                            String triggerSource) {

    /**
     * Parsed ttl strings. Tasks share a handful ("10m", "1h"): parsing one on every trigger was 2 % of a trigger's
     * request-thread CPU (BENCHMARKS.md, issue 22). Bounded, since a per-trigger ttl can be any string.
     */
    private static final Cache<String, Optional<Long>> TTL_SECONDS = Caffeine.newBuilder().maximumSize(1_024).build();

    /**
     * {@link #ttl} in seconds, or null when a queued run never expires: no ttl, a ttl of 0, or one that no longer
     * parses (from an old registration).
     */
    public Long ttlSeconds() {
        return ttl == null ? null : TTL_SECONDS.get(ttl, ResolvedQueue::parseTtlSeconds).orElse(null);
    }

    private static Optional<Long> parseTtlSeconds(String ttl) {
        return Durations.parse(ttl).map(Duration::getSeconds).filter(s -> s > 0);
    }

    /** {@link #triggerSource} as the enum (the column's CHECK constraint admits no other value). */
    public TriggerSource source() {
        return triggerSource == null ? TriggerSource.STANDARD : TriggerSource.valueOf(triggerSource);
    }
}
