package dev.triggerapi.queue;

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
}
