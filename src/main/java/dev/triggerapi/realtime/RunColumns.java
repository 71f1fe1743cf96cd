package dev.triggerapi.realtime;

import java.time.Instant;
import java.util.List;

import dev.triggerapi.run.RunStatus;

/**
 * A run's stored columns as read for the feed, before any rendering: the shape-stream format sends them raw
 * (packets as stored strings with their content types), unlike the SSE format's parsed {@link RunView}.
 *
 * @param id             internal run id
 * @param friendlyId     public run id
 * @param taskIdentifier task slug
 * @param status         internal status
 * @param payload        stored payload packet, or null
 * @param payloadType    its content type
 * @param metadata       stored metadata packet, or null
 * @param metadataType   its content type
 * @param output         stored output packet, or null
 * @param outputType     its content type (null without output)
 * @param error          the error as JSON text, or null
 * @param idempotencyKey idempotency key, or null
 * @param ttl            time-to-live as given on trigger, or null
 * @param isTest         test run
 * @param tags           tags
 * @param createdAt      creation time
 * @param updatedAt      row version
 * @param startedAt      first attempt start, or null
 * @param delayUntil     delayed until, or null
 * @param queuedAt       queued at, or null
 * @param expiredAt      expired at, or null
 * @param completedAt    finished at, or null
 */
record RunColumns(String id, String friendlyId, String taskIdentifier, RunStatus status, String payload,
                  String payloadType, String metadata, String metadataType, String output, String outputType,
                  String error, String idempotencyKey, String ttl, boolean isTest, List<String> tags,
                  Instant createdAt, Instant updatedAt, Instant startedAt, Instant delayUntil, Instant queuedAt,
                  Instant expiredAt, Instant completedAt) {
}
