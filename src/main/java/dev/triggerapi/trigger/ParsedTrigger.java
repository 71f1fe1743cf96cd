package dev.triggerapi.trigger;

import java.time.Instant;
import java.util.List;

import dev.triggerapi.run.Debounce;

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
}
