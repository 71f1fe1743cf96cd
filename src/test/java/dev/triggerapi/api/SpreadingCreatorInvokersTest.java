package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records read with the spreading invoker come out as Jackson builds them, through the cached spreader, and a
 * constructor's failure reaches the caller as Jackson reports it.
 */
class SpreadingCreatorInvokersTest {

    /** Which frames built the last {@link Wide}: the test asserts the fast path was taken. */
    private static volatile List<String> lastConstruction = List.of();

    record Wide(String a, Integer b, JsonNode c, List<String> d, Boolean e, String f) {
        Wide {
            lastConstruction = Arrays.stream(new Throwable().getStackTrace())
                    .map(frame -> frame.getClassName() + "." + frame.getMethodName()).toList();
            if ("boom".equals(a)) {
                throw new IllegalArgumentException("a must not be boom");
            }
        }
    }

    private final JsonMapper plain = JsonMapper.builder().build();
    /** With the module bean the application's mapper gets (Boot registers every {@code JacksonModule} bean). */
    private final JsonMapper spreading = JsonMapper.builder()
            .addModule(new JsonInputConfiguration().spreadingCreatorInvokers()).build();

    @Test
    void aRecordIsBuiltThroughTheSpreaderAndEqualsJacksonsOwn() {
        String json = "{\"a\":\"x\",\"c\":{\"k\":[1,2]},\"d\":[\"t1\",\"t2\"],\"e\":true}";

        Wide expected = plain.readValue(json, Wide.class);
        assertThat(lastConstruction).anyMatch(f -> f.endsWith("AnnotatedConstructor.call"));
        Wide read = spreading.readValue(json, Wide.class);

        assertThat(read).isEqualTo(expected);
        assertThat(read.b()).isNull();
        assertThat(lastConstruction).anyMatch(f -> f.endsWith("SpreadingCreatorInvokers$Spreading.createFromObjectWith"))
                .noneMatch(f -> f.endsWith("AnnotatedConstructor.call"));
    }

    @Test
    void aFailingConstructorIsReportedAsJacksonReportsIt() {
        String json = "{\"a\":\"boom\"}";
        Throwable jacksons = catchFailure(plain, json);

        assertThatThrownBy(() -> spreading.readValue(json, Wide.class))
                .isInstanceOf(jacksons.getClass())
                .isInstanceOf(DatabindException.class)
                .hasMessage(jacksons.getMessage())
                .hasRootCauseMessage("a must not be boom");
    }

    @Test
    void aMissingOrWrongPropertyFailsAsBefore() {
        for (String json : List.of("{\"b\":\"not a number\"}", "{\"d\":{}}", "[]")) {
            Throwable jacksons = catchFailure(plain, json);
            assertThatThrownBy(() -> spreading.readValue(json, Wide.class))
                    .as(json).isInstanceOf(jacksons.getClass()).hasMessage(jacksons.getMessage());
        }
    }

    private static Throwable catchFailure(JsonMapper mapper, String json) {
        try {
            mapper.readValue(json, Wide.class);
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected " + json + " to fail");
    }
}
