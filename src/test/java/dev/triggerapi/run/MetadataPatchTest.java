package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triggerapi.api.ApiException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class MetadataPatchTest {

    private final JsonMapper json = JsonMapper.builder().build();

    private ObjectNode object(String text) {
        return (ObjectNode) json.readTree(text);
    }

    private JsonNode apply(String current, String body) {
        return MetadataPatch.apply(object(current), json.readTree(body));
    }

    @Test
    void replaceThenOperationsInOrder() {
        JsonNode result = apply("{\"old\":1}", """
                {"metadata":{"a":1},"operations":[
                  {"type":"set","key":"b","value":"x"},
                  {"type":"increment","key":"a","value":2},
                  {"type":"append","key":"log","value":"one"},
                  {"type":"append","key":"log","value":"two"},
                  {"type":"delete","key":"b"}]}""");
        assertThat(result).isEqualTo(json.readTree("{\"a\":3,\"log\":[\"one\",\"two\"]}"));
    }

    @Test
    void pathKeysReachIntoNestedObjects() {
        JsonNode result = apply("{\"progress\":{\"done\":1}}", """
                {"operations":[{"type":"increment","key":"$.progress.done","value":1},
                               {"type":"set","key":"$.progress.stage","value":"b"},
                               {"type":"set","key":"plain.key","value":true}]}""");
        assertThat(result).isEqualTo(json.readTree("{\"progress\":{\"done\":2,\"stage\":\"b\"},\"plain.key\":true}"));
    }

    @Test
    void appendTurnsAScalarIntoAnArrayAndRemoveDropsEqualElements() {
        JsonNode result = apply("{\"v\":1,\"list\":[1,2,1.0,3]}", """
                {"operations":[{"type":"append","key":"v","value":2},{"type":"remove","key":"list","value":1}]}""");
        assertThat(result).isEqualTo(json.readTree("{\"v\":[1,2],\"list\":[2,3]}"));
    }

    @Test
    void incrementTreatsMissingOrNonNumericAsZeroAndKeepsFractions() {
        JsonNode result = apply("{\"s\":\"x\"}", """
                {"operations":[{"type":"increment","key":"n","value":5},{"type":"increment","key":"s","value":1.5}]}""");
        assertThat(result.get("n").asInt()).isEqualTo(5);
        assertThat(result.get("s").asDouble()).isEqualTo(1.5);
    }

    @Test
    void updateMergesTopLevelKeys() {
        JsonNode result = apply("{\"a\":1,\"b\":2}", "{\"operations\":[{\"type\":\"update\",\"value\":{\"b\":3,\"c\":4}}]}");
        assertThat(result).isEqualTo(json.readTree("{\"a\":1,\"b\":3,\"c\":4}"));
    }

    @Test
    void incrementBackToTheSameNumberIsRecognisedAsUnchanged() {
        ObjectNode current = object("{\"n\":2}");
        JsonNode result = MetadataPatch.apply(current, json.readTree("""
                {"operations":[{"type":"increment","key":"n","value":1},{"type":"increment","key":"n","value":-1}]}"""));
        assertThat(result.equals(MetadataPatch.NUMERIC_AWARE, current)).isTrue();
        assertThat(current).isEqualTo(object("{\"n\":2}"));
    }

    @Test
    void malformedUpdatesAreClientErrors() {
        assertThatThrownBy(() -> apply("{}", "{\"metadata\":[1]}")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> apply("{}", "{\"operations\":{}}")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> apply("{}", "{\"operations\":[{\"type\":\"explode\",\"key\":\"a\"}]}"))
                .isInstanceOf(ApiException.class).hasMessageContaining("unknown type");
        assertThatThrownBy(() -> apply("{}", "{\"operations\":[{\"type\":\"set\",\"key\":\"\",\"value\":1}]}"))
                .isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> apply("{}", "{\"operations\":[{\"type\":\"increment\",\"key\":\"a\",\"value\":\"x\"}]}"))
                .isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> apply("{}", "{\"operations\":[{\"type\":\"set\",\"key\":\"$.a..b\",\"value\":1}]}"))
                .isInstanceOf(ApiException.class);
    }
}
