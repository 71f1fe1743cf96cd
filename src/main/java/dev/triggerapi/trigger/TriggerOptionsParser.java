package dev.triggerapi.trigger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.duration.Durations;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Validates and normalises a trigger's payload, options and idempotency headers.
 *
 * <p>Shape errors (wrong JSON type, an idempotency key over 2048 characters) are 400, like any schema
 * violation; values that are well-formed but unusable (too many or too long tags, a duration or date that
 * does not parse, {@code maxAttempts < 1}) are 422.
 */
@Component
class TriggerOptionsParser {

    static final int MAX_IDEMPOTENCY_KEY_LENGTH = 2048;
    static final int MAX_TAGS = 10;
    static final int MAX_TAG_LENGTH = 127;
    static final Duration DEFAULT_IDEMPOTENCY_KEY_TTL = Duration.ofDays(30);
    private static final String DEFAULT_CONTENT_TYPE = "application/json";

    private final JsonMapper json;
    private final Clock clock;

    TriggerOptionsParser(JsonMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    /**
     * @param headerKey    {@code idempotency-key} header, overrides the body's key
     * @param headerKeyTtl {@code idempotency-key-ttl} header, overrides the body's TTL
     */
    ParsedTrigger parse(JsonNode payload, TriggerOptions options, String headerKey, String headerKeyTtl) {
        TriggerOptions o = options != null ? options
                : new TriggerOptions(null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
        Instant now = clock.instant();
        String idempotencyKey = blankToNull(headerKey != null ? headerKey : o.idempotencyKey());
        if (idempotencyKey != null && idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
            throw ApiException.badRequest("options.idempotencyKey: must be at most " + MAX_IDEMPOTENCY_KEY_LENGTH
                    + " characters");
        }
        Instant keyExpiresAt = null;
        if (idempotencyKey != null) {
            String keyTtl = blankToNull(headerKeyTtl != null ? headerKeyTtl : o.idempotencyKeyTTL());
            Duration ttl = keyTtl == null ? DEFAULT_IDEMPOTENCY_KEY_TTL : Durations.parse(keyTtl)
                    .orElseThrow(() -> ApiException.unprocessable("Invalid idempotencyKeyTTL '" + keyTtl
                            + "': use a duration like 10m, 1h30m or 30d"));
            keyExpiresAt = now.plus(ttl);
        }
        if (o.maxAttempts() != null && o.maxAttempts() < 1) {
            throw ApiException.unprocessable("options.maxAttempts must be at least 1");
        }
        if (o.maxDuration() != null && o.maxDuration() < 0) {
            throw ApiException.unprocessable("options.maxDuration must not be negative");
        }
        String metadata = stored(o.metadata());
        return new ParsedTrigger(
                stored(payload),
                contentType(o.payloadType()),
                queueName(o.queue()),
                blankToNull(o.concurrencyKey()),
                delayUntil(o.delay(), now),
                idempotencyKey,
                keyExpiresAt,
                ttl(o.ttl()),
                tags(o.tags()),
                metadata,
                metadata == null ? null : contentType(o.metadataType()),
                o.maxAttempts(),
                o.maxDuration(),
                o.priority() == null ? 0 : o.priority(),
                blankToNull(o.machine()),
                blankToNull(o.lockToVersion()),
                Boolean.TRUE.equals(o.test()));
    }

    /** A JSON string is stored as the string itself (the SDK's serialized payload); other JSON as its text. */
    private String stored(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        return value.isString() ? value.asString() : json.writeValueAsString(value);
    }

    private static String contentType(String given) {
        return given == null || given.isBlank() ? DEFAULT_CONTENT_TYPE : given;
    }

    private static String queueName(JsonNode queue) {
        if (queue == null || queue.isNull()) {
            return null;
        }
        if (queue.isString()) {
            return queue.asString();
        }
        if (queue.isObject()) {
            JsonNode name = queue.get("name");
            if (name == null || name.isNull()) {
                return null;
            }
            if (name.isString()) {
                return name.asString();
            }
        }
        throw ApiException.badRequest("options.queue: expected {\"name\": \"...\"}");
    }

    private static Instant delayUntil(JsonNode delay, Instant now) {
        if (delay == null || delay.isNull()) {
            return null;
        }
        if (!delay.isString()) {
            throw ApiException.badRequest("options.delay: expected a duration string or an ISO 8601 date");
        }
        String text = delay.asString().strip();
        Optional<Duration> duration = Durations.parse(text);
        if (duration.isPresent()) {
            return now.plus(duration.get());
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.unprocessable("Invalid delay '" + text
                    + "': use a duration like 10m or 1h30m, or an ISO 8601 date");
        }
    }

    private static String ttl(JsonNode ttl) {
        if (ttl == null || ttl.isNull()) {
            return null;
        }
        if (ttl.isIntegralNumber() && ttl.canConvertToLong() && ttl.asLong() >= 0) {
            return Long.toString(ttl.asLong());
        }
        if (!ttl.isString()) {
            throw ApiException.badRequest("options.ttl: expected a duration string or a number of seconds");
        }
        String text = ttl.asString().strip();
        if (Durations.parse(text).isEmpty()) {
            throw ApiException.unprocessable("Invalid ttl '" + text
                    + "': use a duration like 10m or 1h30m, or a number of seconds");
        }
        return text;
    }

    private static List<String> tags(JsonNode tags) {
        if (tags == null || tags.isNull()) {
            return List.of();
        }
        List<String> given = new ArrayList<>();
        if (tags.isString()) {
            given.add(tags.asString());
        } else if (tags.isArray()) {
            for (JsonNode tag : tags) {
                if (!tag.isString()) {
                    throw ApiException.badRequest("options.tags: expected a string or an array of strings");
                }
                given.add(tag.asString());
            }
        } else {
            throw ApiException.badRequest("options.tags: expected a string or an array of strings");
        }
        Set<String> distinct = new LinkedHashSet<>();
        for (String tag : given) {
            if (tag.length() > MAX_TAG_LENGTH) {
                throw ApiException.unprocessable("Tags must be shorter than 128 characters; '"
                        + tag.substring(0, 32) + "...' has " + tag.length());
            }
            if (!tag.isBlank()) {
                distinct.add(tag);
            }
        }
        if (distinct.size() > MAX_TAGS) {
            throw ApiException.unprocessable("Runs can have at most " + MAX_TAGS + " tags, got " + distinct.size());
        }
        return List.copyOf(distinct);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
