package dev.triggerapi.run;

import java.util.List;

/**
 * What a replay copies from the original run: its task, payload, options, tags and queue — not its idempotency
 * key, delay, batch or progress.
 *
 * @param taskIdentifier     task slug
 * @param queue              queue name
 * @param lockedQueueId      the queue row a version-locked run was locked to, or null
 * @param lockedToWorkerId   the worker version it was locked to, or null
 * @param payload            payload as stored
 * @param payloadType        its content type
 * @param metadata           metadata as stored, or null
 * @param metadataType       its content type
 * @param tags               tags
 * @param ttl                ttl as given, or null
 * @param ttlSeconds         ttl in seconds, or null
 * @param triggerSource      STANDARD / SCHEDULED / AGENT
 * @param concurrencyKey     concurrency key, or null
 * @param priorityMs         head start in the dequeue order, in milliseconds
 * @param maxAttempts        attempts allowed, or null
 * @param maxDurationSeconds max duration, or null
 * @param machine            machine preset, or null
 * @param test               whether it was a test run
 */
public record ReplayableRun(String taskIdentifier, String queue, String lockedQueueId, String lockedToWorkerId,
                            String payload, String payloadType, String metadata, String metadataType,
                            List<String> tags, String ttl, Long ttlSeconds, String triggerSource,
                            String concurrencyKey, int priorityMs, Integer maxAttempts, Integer maxDurationSeconds,
                            String machine, boolean test) {
}
