package dev.triggerapi.run;

import java.time.Instant;
import java.util.List;

/**
 * Everything needed to create a run. Nullable fields are optional.
 *
 * @param environmentId           the environment the run belongs to
 * @param taskIdentifier          task slug
 * @param queue                   resolved queue name
 * @param lockedQueueId           the queue row when the run is version-locked with a queue
 * @param lockedToWorkerId        the worker version the run is locked to
 * @param payload                 payload exactly as sent (often a serialized string)
 * @param payloadType             payload content type as sent (e.g. {@code application/json})
 * @param metadata                metadata as sent (serialized), or null
 * @param metadataType            metadata content type
 * @param tags                    tags (≤ 10)
 * @param ttl                     ttl as given (duration string), or null
 * @param ttlSeconds              ttl in seconds (decides when a queued run expires), or null
 * @param triggerSource           STANDARD / SCHEDULED / AGENT
 * @param idempotencyKey          idempotency key, or null
 * @param idempotencyKeyExpiresAt when the key stops deduplicating
 * @param concurrencyKey          concurrency key, or null
 * @param priorityMs              a head start in the dequeue order, in milliseconds (may be negative)
 * @param delayUntil              do not run before this instant, or null
 * @param maxAttempts             attempts allowed, or null for the default
 * @param maxDurationSeconds      max duration, or null
 * @param machine                 machine preset, or null
 * @param test                    whether this is a test run
 * @param batchId                 the batch the run belongs to, or null
 * @param batchIndex              the item's index in a streamed batch (deduplicates re-sent items), or null
 * @param idempotencyKeyUser      the user's idempotency key before the SDK hashed it ({@code idempotencyKeyOptions.key}), or null
 * @param idempotencyKeyScope     its scope: {@code run}, {@code attempt} or {@code global}, or null
 */
public record NewRun(
        String environmentId,
        String taskIdentifier,
        String queue,
        String lockedQueueId,
        String lockedToWorkerId,
        String payload,
        String payloadType,
        String metadata,
        String metadataType,
        List<String> tags,
        String ttl,
        Long ttlSeconds,
        String triggerSource,
        String idempotencyKey,
        Instant idempotencyKeyExpiresAt,
        String concurrencyKey,
        int priorityMs,
        Instant delayUntil,
        Integer maxAttempts,
        Integer maxDurationSeconds,
        String machine,
        boolean test,
        String batchId,
        Integer batchIndex,
        String idempotencyKeyUser,
        String idempotencyKeyScope) {

    /** A run without the SDK's {@code idempotencyKeyOptions}. */
    public NewRun(String environmentId, String taskIdentifier, String queue, String lockedQueueId,
                  String lockedToWorkerId, String payload, String payloadType, String metadata, String metadataType,
                  List<String> tags, String ttl, Long ttlSeconds, String triggerSource, String idempotencyKey,
                  Instant idempotencyKeyExpiresAt, String concurrencyKey, int priorityMs, Instant delayUntil,
                  Integer maxAttempts, Integer maxDurationSeconds, String machine, boolean test, String batchId,
                  Integer batchIndex) {
        this(environmentId, taskIdentifier, queue, lockedQueueId, lockedToWorkerId, payload, payloadType, metadata,
                metadataType, tags, ttl, ttlSeconds, triggerSource, idempotencyKey, idempotencyKeyExpiresAt,
                concurrencyKey, priorityMs, delayUntil, maxAttempts, maxDurationSeconds, machine, test, batchId, batchIndex,
                null, null);
    }

    /** A run that is not an item of a streamed batch. */
    public NewRun(String environmentId, String taskIdentifier, String queue, String lockedQueueId,
                  String lockedToWorkerId, String payload, String payloadType, String metadata, String metadataType,
                  List<String> tags, String ttl, Long ttlSeconds, String triggerSource, String idempotencyKey,
                  Instant idempotencyKeyExpiresAt, String concurrencyKey, int priorityMs, Instant delayUntil,
                  Integer maxAttempts, Integer maxDurationSeconds, String machine, boolean test, String batchId) {
        this(environmentId, taskIdentifier, queue, lockedQueueId, lockedToWorkerId, payload, payloadType, metadata,
                metadataType, tags, ttl, ttlSeconds, triggerSource, idempotencyKey, idempotencyKeyExpiresAt,
                concurrencyKey, priorityMs, delayUntil, maxAttempts, maxDurationSeconds, machine, test, batchId, null);
    }

    /** This run with another {@code delayUntil}. */
    public NewRun withDelayUntil(Instant until) {
        return new NewRun(environmentId, taskIdentifier, queue, lockedQueueId, lockedToWorkerId, payload, payloadType,
                metadata, metadataType, tags, ttl, ttlSeconds, triggerSource, idempotencyKey, idempotencyKeyExpiresAt,
                concurrencyKey, priorityMs, until, maxAttempts, maxDurationSeconds, machine, test, batchId, batchIndex,
                idempotencyKeyUser, idempotencyKeyScope);
    }

    /** This run with the SDK's {@code idempotencyKeyOptions} (the user's key and its scope). */
    public NewRun withIdempotencyKeyOptions(String user, String scope) {
        return new NewRun(environmentId, taskIdentifier, queue, lockedQueueId, lockedToWorkerId, payload, payloadType,
                metadata, metadataType, tags, ttl, ttlSeconds, triggerSource, idempotencyKey, idempotencyKeyExpiresAt,
                concurrencyKey, priorityMs, delayUntil, maxAttempts, maxDurationSeconds, machine, test, batchId, batchIndex,
                user, scope);
    }
}
