package dev.triggerapi.queue;

import java.time.Duration;

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
     * {@link #ttl} in seconds, or null when a queued run never expires: no ttl, a ttl of 0, or one that no longer
     * parses (from an old registration).
     */
    public Long ttlSeconds() {
        return ttl == null ? null : Durations.parse(ttl).map(Duration::getSeconds).filter(s -> s > 0).orElse(null);
    }

    /** {@link #triggerSource} as the enum (the column's CHECK constraint admits no other value). */
    public TriggerSource source() {
        return triggerSource == null ? TriggerSource.STANDARD : TriggerSource.valueOf(triggerSource);
    }
}
