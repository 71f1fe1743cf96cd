package dev.triggerapi.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import dev.triggerapi.api.ApiException;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TriggerOptionsParserTest {

    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private final JsonMapper json = JsonMapper.builder().build();
    private final TriggerOptionsParser parser = new TriggerOptionsParser(json, Clock.fixed(NOW, ZoneOffset.UTC));

    private ParsedTrigger parse(String body) {
        return parse(body, null, null);
    }

    private ParsedTrigger parse(String body, String headerKey, String headerTtl) {
        TriggerTaskRequest request = json.readValue(body, TriggerTaskRequest.class);
        return parser.parse(request.payload(), request.options(), headerKey, headerTtl);
    }

    private static HttpStatus statusOf(Runnable action) {
        try {
            action.run();
        } catch (ApiException e) {
            return e.status();
        }
        throw new AssertionError("expected an ApiException");
    }

    @Test
    void priorityInSecondsIsConvertedOnceToWholeMilliseconds() {
        assertThat(parse("{}").priorityMs()).isZero();
        assertThat(parse("{\"options\":{\"priority\":null}}").priorityMs()).isZero();
        assertThat(parse("{\"options\":{\"priority\":0.5}}").priorityMs()).isEqualTo(500);
        assertThat(parse("{\"options\":{\"priority\":2.25}}").priorityMs()).isEqualTo(2250);
        assertThat(parse("{\"options\":{\"priority\":-1.5}}").priorityMs()).isEqualTo(-1500);
        assertThat(parse("{\"options\":{\"priority\":1e2}}").priorityMs()).isEqualTo(100_000);
        assertThat(parse("{\"options\":{\"priority\":0.0004}}").priorityMs()).isZero();
        assertThat(parse("{\"options\":{\"priority\":1e-400}}").priorityMs()).isZero();
        assertThat(parse("{\"options\":{\"priority\":2147483}}").priorityMs()).isEqualTo(2_147_483_000);
        assertThat(parse("{\"options\":{\"priority\":-2147483.0}}").priorityMs()).isEqualTo(-2_147_483_000);
    }

    @Test
    void aPriorityThatIsNoFiniteNumberOfSecondsInRangeIsA400() {
        for (String priority : new String[] {"\"10\"", "true", "[]", "{}", "2147483.001", "-2147484", "1e400", "-1e400",
                "9".repeat(400), "1e999999999"}) {
            assertThat(statusOf(() -> parse("{\"options\":{\"priority\":" + priority + "}}")))
                    .as(priority).isEqualTo(HttpStatus.BAD_REQUEST);
        }
    }

    @Test
    void objectPayloadIsStoredAsJsonTextWithDefaultType() {
        ParsedTrigger parsed = parse("{\"payload\":{\"name\":\"x\",\"n\":[1,2]}}");
        JsonNode stored = json.readTree(parsed.payload());
        assertThat(stored.get("name").asString()).isEqualTo("x");
        assertThat(stored.get("n").size()).isEqualTo(2);
        assertThat(parsed.payloadType()).isEqualTo("application/json");
    }

    @Test
    void stringPayloadIsStoredAsTheStringWithItsType() {
        ParsedTrigger parsed = parse("""
                {"payload":"{\\"json\\":{\\"name\\":\\"x\\"}}","options":{"payloadType":"application/super+json","payloadSize":21}}""");
        assertThat(parsed.payload()).isEqualTo("{\"json\":{\"name\":\"x\"}}");
        assertThat(parsed.payloadType()).isEqualTo("application/super+json");
    }

    @Test
    void absentPayloadIsNull() {
        assertThat(parse("{}").payload()).isNull();
        assertThat(parse("{\"payload\":null}").payload()).isNull();
    }

    @Test
    void tagsAcceptAStringOrAnArray() {
        assertThat(parse("{\"options\":{\"tags\":\"one\"}}").tags()).containsExactly("one");
        assertThat(parse("{\"options\":{\"tags\":[\"a\",\"b\",\"a\"]}}").tags()).containsExactly("a", "b");
    }

    @Test
    void tagLimitsAreValidationErrors() {
        assertThat(statusOf(() -> parse("{\"options\":{\"tags\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]}}")))
                .isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
        assertThat(statusOf(() -> parse("{\"options\":{\"tags\":\"" + "x".repeat(128) + "\"}}")))
                .isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
        assertThat(parse("{\"options\":{\"tags\":\"" + "x".repeat(127) + "\"}}").tags()).hasSize(1);
        assertThat(statusOf(() -> parse("{\"options\":{\"tags\":[1]}}"))).isEqualTo(HttpStatus.BAD_REQUEST);
    }

    @Test
    void delayAcceptsADurationOrAnIsoDate() {
        assertThat(parse("{\"options\":{\"delay\":\"1h30m\"}}").delayUntil()).isEqualTo(NOW.plus(Duration.ofMinutes(90)));
        assertThat(parse("{\"options\":{\"delay\":\"2030-02-01T10:00:00.000Z\"}}").delayUntil())
                .isEqualTo(Instant.parse("2030-02-01T10:00:00Z"));
        assertThat(parse("{\"options\":{\"delay\":\"2030-02-01T10:00:00+02:00\"}}").delayUntil())
                .isEqualTo(Instant.parse("2030-02-01T08:00:00Z"));
        assertThat(statusOf(() -> parse("{\"options\":{\"delay\":\"tomorrow\"}}"))).isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
    }

    @Test
    void ttlAcceptsADurationStringOrSeconds() {
        assertThat(parse("{\"options\":{\"ttl\":\"10m\"}}").ttl()).isEqualTo("10m");
        assertThat(parse("{\"options\":{\"ttl\":600}}").ttl()).isEqualTo("600");
        assertThat(statusOf(() -> parse("{\"options\":{\"ttl\":\"soon\"}}"))).isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
        assertThat(statusOf(() -> parse("{\"options\":{\"ttl\":true}}"))).isEqualTo(HttpStatus.BAD_REQUEST);
    }

    @Test
    void idempotencyKeyDefaultsToThirtyDaysAndHeadersOverrideTheBody() {
        ParsedTrigger fromBody = parse("{\"options\":{\"idempotencyKey\":\"body-key\"}}");
        assertThat(fromBody.idempotencyKey()).isEqualTo("body-key");
        assertThat(fromBody.idempotencyKeyExpiresAt()).isEqualTo(NOW.plus(Duration.ofDays(30)));

        ParsedTrigger fromHeaders = parse("{\"options\":{\"idempotencyKey\":\"body-key\",\"idempotencyKeyTTL\":\"1h\"}}",
                "header-key", "10m");
        assertThat(fromHeaders.idempotencyKey()).isEqualTo("header-key");
        assertThat(fromHeaders.idempotencyKeyExpiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(10)));

        assertThat(parse("{\"options\":{\"idempotencyKeyTTL\":\"1h\"}}").idempotencyKeyExpiresAt()).isNull();
    }

    @Test
    void idempotencyKeyLongerThan2048IsASchemaError() {
        assertThat(parse("{\"options\":{\"idempotencyKey\":\"" + "k".repeat(2048) + "\"}}").idempotencyKey()).hasSize(2048);
        assertThat(statusOf(() -> parse("{\"options\":{\"idempotencyKey\":\"" + "k".repeat(2049) + "\"}}")))
                .isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(statusOf(() -> parse("{\"options\":{\"idempotencyKey\":\"k\",\"idempotencyKeyTTL\":\"forever\"}}")))
                .isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
    }

    @Test
    void queueAcceptsAnObjectWithANameOrABareName() {
        assertThat(parse("{\"options\":{\"queue\":{\"name\":\"q1\"}}}").queueName()).isEqualTo("q1");
        assertThat(parse("{\"options\":{\"queue\":\"q2\"}}").queueName()).isEqualTo("q2");
        assertThat(parse("{\"options\":{\"queue\":{}}}").queueName()).isNull();
        assertThat(statusOf(() -> parse("{\"options\":{\"queue\":5}}"))).isEqualTo(HttpStatus.BAD_REQUEST);
    }

    @Test
    void remainingOptionsAreCarriedOverAndSdkOnlyFieldsIgnored() {
        ParsedTrigger parsed = parse("""
                {"payload":"x","context":{"a":1},"options":{"concurrencyKey":"ck","metadata":{"m":1},"maxAttempts":3,
                 "maxDuration":60,"priority":5,"machine":"small-1x","lockToVersion":"20250101.1","test":true,
                 "idempotencyKeyOptions":{"key":"k","scope":"run"},"region":"eu","debounce":{"key":"d","delay":"1s"},
                 "externalDeploymentId":"x"},"somethingNew":1}""");
        assertThat(parsed.concurrencyKey()).isEqualTo("ck");
        assertThat(parsed.metadata()).isEqualTo("{\"m\":1}");
        assertThat(parsed.metadataType()).isEqualTo("application/json");
        assertThat(parsed.maxAttempts()).isEqualTo(3);
        assertThat(parsed.maxDurationSeconds()).isEqualTo(60);
        assertThat(parsed.priorityMs()).isEqualTo(5000);
        assertThat(parsed.machine()).isEqualTo("small-1x");
        assertThat(parsed.lockToVersion()).isEqualTo("20250101.1");
        assertThat(parsed.test()).isTrue();
        assertThatThrownBy(() -> parse("{\"options\":{\"maxAttempts\":0}}")).isInstanceOf(ApiException.class);
    }
}
