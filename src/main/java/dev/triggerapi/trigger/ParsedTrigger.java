package dev.triggerapi.trigger;

import java.time.Instant;
import java.util.List;

import dev.triggerapi.queue.ResolvedQueue;
import dev.triggerapi.run.Debounce;
import dev.triggerapi.run.NewRun;

/**
 * A trigger's body and headers after validation, before queue resolution. Nullable fields are absent;
 * {@code priorityMs} is the head start in milliseconds
 * (the SDK's seconds converted once, here at the edge).
 */
record ParsedTrigger(
        String payload,
        String payloadType,
        String queueName,
        String concurrencyKey,
        Instant delayUntil,
        String idempotencyKey,
        Instant idempotencyKeyExpiresAt,
        String ttl,
        List<String> tags,
        String metadata,
        String metadataType,
        Integer maxAttempts,
        Integer maxDurationSeconds,
        int priorityMs,
        String machine,
        String lockToVersion,
        boolean test,
        Debounce debounce,
        String idempotencyKeyUser,
        String idempotencyKeyScope) {

    /**
     * The run this trigger makes of {@code taskId} in its resolved {@code queue}, which decided the ttl (this trigger's,
     * else the task's) and the trigger source.
     *
     * @param batchId    the batch the run belongs to, or null
     * @param batchIndex its index in a streamed batch, or null
     */
    NewRun toNewRun(String environmentId, String taskId, ResolvedQueue queue, String batchId, Integer batchIndex) {
        return new NewRun(
                new NewRun.Placement(environmentId, taskId, queue.queueName(), queue.lockedQueueId(),
                        queue.lockedToWorkerId(), concurrencyKey, priorityMs, machine),
                new NewRun.Payload(payload, payloadType, metadata, metadataType, tags),
                new NewRun.Idempotency(idempotencyKey, idempotencyKeyExpiresAt, idempotencyKeyUser, idempotencyKeyScope),
                new NewRun.Timing(delayUntil, queue.ttl(), queue.ttlSeconds(), maxAttempts, maxDurationSeconds),
                new NewRun.Origin(queue.source(), test, batchId, batchIndex));
    }
}
