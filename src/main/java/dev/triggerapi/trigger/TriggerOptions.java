package dev.triggerapi.trigger;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import tools.jackson.databind.JsonNode;

/**
 * {@code options} of a trigger, as trigger.dev clients send them. Fields that accept several shapes are kept as
 * JSON and interpreted by {@link TriggerOptionsParser}; fields this service does not use (for example the
 * SDK's {@code payloadSize}, {@code region}) are ignored.
 *
 * @param queue             {@code {"name": "..."}} (or a bare name): queue override
 * @param concurrencyKey    per-key concurrency partition
 * @param delay             duration string ({@code 10m}) or ISO 8601 date
 * @param idempotencyKey    at most 2048 characters (the SDK sends a SHA-256 hex of the user's key)
 * @param idempotencyKeyTTL how long the key deduplicates, duration string (default 30 days)
 * @param ttl               duration string or seconds; a queued run older than this expires
 * @param tags              a string or an array of strings (at most 10, each shorter than 128 characters)
 * @param metadata          any JSON, stored as given
 * @param metadataType      content type of {@code metadata} (default {@code application/json})
 * @param maxAttempts       at least 1
 * @param maxDuration       seconds
 * @param priority          a head start in the dequeue order in seconds: any JSON number (may be fractional or negative),
 *                          kept as JSON so {@link TriggerOptionsParser} can refuse strings and out-of-range values clearly
 * @param machine           machine preset name
 * @param lockToVersion     worker version to run on
 * @param test              whether this is a test run
 * @param payloadType       content type of the payload as sent (default {@code application/json})
 * @param debounce          {@code {key, delay, mode?, maxDelay?}}: collapse triggers with one key into one pending run
 * @param idempotencyKeyOptions {@code {key, scope}}: the user's key before the SDK hashed it, and its scope
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TriggerOptions(
        JsonNode queue,
        String concurrencyKey,
        JsonNode delay,
        String idempotencyKey,
        String idempotencyKeyTTL,
        JsonNode ttl,
        JsonNode tags,
        JsonNode metadata,
        String metadataType,
        Integer maxAttempts,
        Integer maxDuration,
        JsonNode priority,
        String machine,
        String lockToVersion,
        Boolean test,
        String payloadType,
        JsonNode debounce,
        JsonNode idempotencyKeyOptions) {
}
