package dev.triggerapi.run;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/v3/runs/{runId}} in exactly the shape the official SDK validates: every required field
 * present, optional ones omitted rather than {@code null} (zod rejects null), dates ISO-8601 in UTC.
 *
 * @param id                  public run id
 * @param status              one of the SDK's 13 public statuses
 * @param taskIdentifier      task slug
 * @param flags               the {@code is*} booleans (unwrapped into the object)
 * @param isTest              whether it is a test run
 * @param createdAt           when it was triggered
 * @param updatedAt           last change
 * @param startedAt           first attempt start, if any
 * @param finishedAt          completion, if finished
 * @param delayedUntil        delay, for a delayed run
 * @param expiredAt           expiry, for an expired run
 * @param tags                tags (never null)
 * @param costInCents         always 0 (no billing here)
 * @param baseCostInCents     always 0
 * @param durationMs          finished − started, 0 while unknown
 * @param depth               always 0 (no child runs here)
 * @param triggerFunction     {@code trigger} or {@code batchTrigger}
 * @param relatedRuns         always {@code {}}
 * @param attemptCount        attempts started
 * @param idempotencyKey      the idempotency key while the run holds it
 * @param ttl                 the ttl as triggered
 * @param batchId             the batch's public id ({@code batch_...}, as the SDK's batch trigger returned it), if any
 * @param metadata            metadata object, if any
 * @param payload             the payload as plain JSON
 * @param payloadPresignedUrl where to download an offloaded payload
 * @param output              the output as plain JSON, if finished successfully
 * @param outputPresignedUrl  where to download an offloaded output
 * @param error               the last error, if any
 * @param version             the worker version the run is locked to ({@code lockToVersion}), if any
 */
public record RetrievedRun(
        String id,
        String status,
        String taskIdentifier,
        @JsonUnwrapped PublicRunFlags flags,
        @com.fasterxml.jackson.annotation.JsonProperty("isTest") boolean isTest,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt,
        Instant delayedUntil,
        Instant expiredAt,
        List<String> tags,
        int costInCents,
        int baseCostInCents,
        long durationMs,
        int depth,
        String triggerFunction,
        Map<String, Object> relatedRuns,
        int attemptCount,
        String idempotencyKey,
        String ttl,
        String batchId,
        JsonNode metadata,
        JsonNode payload,
        String payloadPresignedUrl,
        JsonNode output,
        String outputPresignedUrl,
        RunError error,
        String version) {
}
