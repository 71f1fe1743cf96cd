package dev.triggerapi.trigger;

import java.math.BigDecimal;
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
import dev.triggerapi.deployment.TaskIds;
import dev.triggerapi.duration.Durations;
import dev.triggerapi.run.Debounce;
import dev.triggerapi.run.MetadataShape;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Validates and normalises a trigger's payload, options and idempotency headers.
 *
 * <p>Shape errors (wrong JSON type, an idempotency key over 2048 characters) are 400, like any schema
 * violation; values that are well-formed but unusable (too many or too long tags, a duration or date that
 * does not parse, {@code maxAttempts < 1}) are 422. A {@code priority} out of range is 400 too: it cannot be
 * represented, like a number too large for its field.
 *
 * <p>Every string that is stored is bounded and free of NUL characters (PostgreSQL text cannot hold U+0000):
 * the task id and version at 128 characters like a registered slug or version, content types at 256, the
 * concurrency key at 1024. Durations are at most {@link Durations#MAX} and delay dates lie between year 1 and
 * that far ahead, so every deadline derived from them fits a {@code timestamptz}.
 */
@Component
class TriggerOptionsParser {

    static final int MAX_IDEMPOTENCY_KEY_LENGTH = 2048;
    static final int MAX_TAGS = 10;
    static final int MAX_TAG_LENGTH = 127;
    static final int MAX_VERSION_LENGTH = 128;
    static final int MAX_CONTENT_TYPE_LENGTH = 256;
    static final int MAX_CONCURRENCY_KEY_LENGTH = 1024;
    static final int MAX_MACHINE_LENGTH = 128;
    static final int MAX_DEBOUNCE_KEY_LENGTH = 512;
    /**
     * The longest head start either way, in seconds (about 24.8 days): the largest whose milliseconds fit the 32-bit
     * {@code priority_ms} column, so the stored value and {@code due - priority} can never overflow. A larger head
     * start could only mean "before everything", which this already is for any queue not weeks behind.
     */
    static final int MAX_PRIORITY_SECONDS = Integer.MAX_VALUE / 1000;
    private static final Set<String> KEY_SCOPES = Set.of("run", "attempt", "global");
    private static final Instant EARLIEST_DATE = Instant.parse("0001-01-01T00:00:00Z");
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
                null, null, null, null, null);
        Instant now = clock.instant();
        String idempotencyKey = text("options.idempotencyKey", headerKey != null ? headerKey : o.idempotencyKey(),
                MAX_IDEMPOTENCY_KEY_LENGTH);
        Instant keyExpiresAt = null;
        if (idempotencyKey != null) {
            String keyTtl = blankToNull(headerKeyTtl != null ? headerKeyTtl : o.idempotencyKeyTTL());
            Duration ttl = keyTtl == null ? DEFAULT_IDEMPOTENCY_KEY_TTL : Durations.parse(keyTtl)
                    .orElseThrow(() -> ApiException.unprocessable("Invalid idempotencyKeyTTL '" + abbreviate(keyTtl)
                            + "': use a duration like 10m, 1h30m or 30d (at most 100 years)"));
            keyExpiresAt = now.plus(ttl);
        }
        if (o.maxAttempts() != null && o.maxAttempts() < 1) {
            throw ApiException.unprocessable("options.maxAttempts must be at least 1");
        }
        if (o.maxDuration() != null && o.maxDuration() < 0) {
            throw ApiException.unprocessable("options.maxDuration must not be negative");
        }
        String metadata = stored("options.metadata", o.metadata());
        // Checked even without metadata, so a malformed type is never silently dropped.
        String metadataType = contentType("options.metadataType", o.metadataType());
        MetadataShape.check(json, "options.metadata", metadata, metadataType);
        return new ParsedTrigger(
                stored("payload", payload),
                contentType("options.payloadType", o.payloadType()),
                queueName(o.queue()),
                text("options.concurrencyKey", o.concurrencyKey(), MAX_CONCURRENCY_KEY_LENGTH),
                delayUntil(o.delay(), now),
                idempotencyKey,
                keyExpiresAt,
                ttl(o.ttl()),
                tags(o.tags()),
                metadata,
                metadata == null ? null : metadataType,
                o.maxAttempts(),
                o.maxDuration(),
                priorityMs(o.priority()),
                text("options.machine", o.machine(), MAX_MACHINE_LENGTH),
                text("options.lockToVersion", o.lockToVersion(), MAX_VERSION_LENGTH),
                Boolean.TRUE.equals(o.test()),
                debounce(o.debounce()),
                idempotencyKey == null ? null : keyOption(o.idempotencyKeyOptions(), "key"),
                idempotencyKey == null ? null : keyScope(o.idempotencyKeyOptions()));
    }

    /**
     * {@code priority} as the SDK's {@code z.number()} allows it (seconds, fractional or negative), converted once to
     * whole milliseconds ({@link Math#round}: halves go up, as JavaScript rounds). Anything but a finite JSON number
     * within {@link #MAX_PRIORITY_SECONDS} is a 400: a head start that cannot be honoured must not be dropped.
     */
    static int priorityMs(JsonNode priority) {
        if (priority == null || priority.isNull()) {
            return 0;
        }
        if (!priority.isNumber()) {
            throw ApiException.badRequest("options.priority: expected a number of seconds, e.g. 10 or 0.5");
        }
        // Doubles directly; big integers and decimals through BigDecimal, whose comparison stays exact (and cheap)
        // for values of any size, so a huge one is refused rather than turned into an infinity.
        double seconds;
        if (priority.isDouble() || priority.isFloat()) {
            seconds = priority.doubleValue();
        } else {
            BigDecimal exact = priority.decimalValue();
            seconds = exact.abs().compareTo(BigDecimal.valueOf(MAX_PRIORITY_SECONDS)) > 0 ? Double.POSITIVE_INFINITY
                    : exact.doubleValue();
        }
        if (!Double.isFinite(seconds) || Math.abs(seconds) > MAX_PRIORITY_SECONDS) {
            throw ApiException.badRequest("options.priority: must be a finite number of seconds between -"
                    + MAX_PRIORITY_SECONDS + " and " + MAX_PRIORITY_SECONDS);
        }
        return (int) Math.round(seconds * 1000);
    }

    /**
     * {@code {key, delay, mode?, maxDelay?}} as the SDK's schema has it: key at most 512 characters, delay a duration
     * of at least one second (a date cannot be re-applied on every push), mode {@code leading} (default) or
     * {@code trailing}, maxDelay a duration.
     */
    private static Debounce debounce(JsonNode debounce) {
        if (debounce == null || debounce.isNull()) {
            return null;
        }
        if (!debounce.isObject()) {
            throw ApiException.badRequest("options.debounce: expected {\"key\": \"...\", \"delay\": \"5s\"}");
        }
        JsonNode keyNode = debounce.get("key");
        String key = keyNode == null || !keyNode.isString() ? null
                : text("options.debounce.key", keyNode.asString(), MAX_DEBOUNCE_KEY_LENGTH);
        if (key == null) {
            throw ApiException.badRequest("options.debounce.key: expected a non-blank string");
        }
        Duration delay = debounceDuration("delay", debounce.get("delay"))
                .orElseThrow(() -> ApiException.badRequest("options.debounce.delay: expected a duration string"));
        if (delay.compareTo(Duration.ofSeconds(1)) < 0) {
            throw ApiException.unprocessable("options.debounce.delay must be at least 1s");
        }
        JsonNode mode = debounce.get("mode");
        boolean trailing = false;
        if (mode != null && !mode.isNull()) {
            if (!mode.isString() || !(mode.asString().equals("leading") || mode.asString().equals("trailing"))) {
                throw ApiException.badRequest("options.debounce.mode: expected \"leading\" or \"trailing\"");
            }
            trailing = mode.asString().equals("trailing");
        }
        Duration maxDelay = debounceDuration("maxDelay", debounce.get("maxDelay")).orElse(null);
        return new Debounce(key, delay, trailing, maxDelay);
    }

    private static Optional<Duration> debounceDuration(String member, JsonNode value) {
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isString()) {
            throw ApiException.badRequest("options.debounce." + member + ": expected a duration string");
        }
        String text = value.asString().strip();
        return Optional.of(Durations.parse(text).orElseThrow(() -> ApiException.unprocessable("Invalid debounce "
                + member + " '" + abbreviate(text) + "': use a duration like 5s, 1m or 2h30m (at most 100 years)")));
    }

    /** {@code idempotencyKeyOptions.key}: the user's key as given, kept for the task's context. */
    private static String keyOption(JsonNode options, String member) {
        if (options == null || options.isNull()) {
            return null;
        }
        JsonNode value = options.isObject() ? options.get(member) : null;
        if (value == null || !value.isString()) {
            throw ApiException.badRequest("options.idempotencyKeyOptions: expected {\"key\": \"...\", \"scope\": "
                    + "\"run\" | \"attempt\" | \"global\"}");
        }
        return text("options.idempotencyKeyOptions." + member, value.asString(), MAX_IDEMPOTENCY_KEY_LENGTH);
    }

    private static String keyScope(JsonNode options) {
        String scope = keyOption(options, "scope");
        if (scope != null && !KEY_SCOPES.contains(scope)) {
            throw ApiException.badRequest("options.idempotencyKeyOptions.scope: expected \"run\", \"attempt\" or \"global\"");
        }
        return scope;
    }

    /** A JSON string is stored as the string itself (the SDK's serialized payload); other JSON as its text. */
    private String stored(String field, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value.isString()) {
            // Serialized JSON escapes U+0000, so only a raw string can carry one.
            noNul(field, value.asString());
            return value.asString();
        }
        return json.writeValueAsString(value);
    }

    private static String contentType(String field, String given) {
        String type = text(field, given, MAX_CONTENT_TYPE_LENGTH);
        return type == null ? DEFAULT_CONTENT_TYPE : type;
    }

    /** A task id as it is stored on the run (and in its default queue name): the SDK's alphabet only. */
    static void checkTaskId(String taskId) {
        if (taskId == null || taskId.isBlank()) {
            throw ApiException.badRequest("task: must not be blank");
        }
        if (!TaskIds.isValid(taskId)) {
            throw ApiException.badRequest("task: '" + abbreviate(taskId.replaceAll("\\p{Cntrl}", "?"))
                    + "' is not a task id: " + TaskIds.RULE);
        }
    }

    /** An optional stored string: blank is absent, otherwise bounded and NUL-free (400 otherwise). */
    private static String text(String field, String value, int maxLength) {
        String v = blankToNull(value);
        if (v == null) {
            return null;
        }
        if (v.length() > maxLength) {
            throw ApiException.badRequest(field + ": must be at most " + maxLength + " characters");
        }
        noNul(field, v);
        return v;
    }

    private static void noNul(String field, String value) {
        if (value.indexOf('\0') >= 0) {
            throw ApiException.badRequest(field + ": must not contain NUL (\\u0000) characters");
        }
    }

    private static String abbreviate(String value) {
        return value.length() > 64 ? value.substring(0, 64) + "..." : value;
    }

    private static String queueName(JsonNode queue) {
        if (queue == null || queue.isNull()) {
            return null;
        }
        if (queue.isString()) {
            return boundedQueueName(queue.asString());
        }
        if (queue.isObject()) {
            JsonNode name = queue.get("name");
            if (name == null || name.isNull()) {
                return null;
            }
            if (name.isString()) {
                return boundedQueueName(name.asString());
            }
        }
        throw ApiException.badRequest("options.queue: expected {\"name\": \"...\"}");
    }

    /**
     * Queue names are sanitised later (characters outside letters, digits and {@code _ - . /} removed); a name that
     * would sanitise to nothing is refused here rather than silently routed to the task's default queue.
     */
    private static String boundedQueueName(String name) {
        if (name.length() > MAX_CONTENT_TYPE_LENGTH) {
            throw ApiException.badRequest("options.queue.name: must be at most " + MAX_CONTENT_TYPE_LENGTH + " characters");
        }
        if (name.chars().noneMatch(TriggerOptionsParser::queueNameCharacter)) {
            throw ApiException.badRequest("options.queue.name: must name a queue (letters, digits, _ - . /); "
                    + "leave out 'queue' to use the task's own queue");
        }
        return name;
    }

    private static boolean queueNameCharacter(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '-' || c == '.' || c == '/';
    }

    static Instant delayUntil(JsonNode delay, Instant now) {
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
        Instant date;
        try {
            date = OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.unprocessable("Invalid delay '" + abbreviate(text)
                    + "': use a duration like 10m or 1h30m (at most 100 years), or an ISO 8601 date");
        }
        if (date.isBefore(EARLIEST_DATE) || date.isAfter(now.plus(Durations.MAX))) {
            throw ApiException.unprocessable("Invalid delay '" + abbreviate(text)
                    + "': the date must lie between year 1 and 100 years from now");
        }
        return date;
    }

    private static String ttl(JsonNode ttl) {
        if (ttl == null || ttl.isNull()) {
            return null;
        }
        if (ttl.isIntegralNumber() && ttl.canConvertToLong() && ttl.asLong() >= 0) {
            if (!Durations.isValidSeconds(ttl.asLong())) {
                throw ApiException.unprocessable("Invalid ttl " + ttl.asLong() + ": at most 100 years");
            }
            return Long.toString(ttl.asLong());
        }
        if (!ttl.isString()) {
            throw ApiException.badRequest("options.ttl: expected a duration string or a number of seconds");
        }
        String text = ttl.asString().strip();
        if (Durations.parse(text).isEmpty()) {
            throw ApiException.unprocessable("Invalid ttl '" + abbreviate(text)
                    + "': use a duration like 10m or 1h30m, or a number of seconds (at most 100 years)");
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
            noNul("options.tags", tag);
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
