package dev.triggerapi.taskmeta;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Encodes a {@link TaskMetadata} as a small JSON object with one-letter keys ({@code t} ttl, {@code s} trigger
 * source, {@code q} queue id, {@code n} queue name) and decodes it defensively: anything that is not such an
 * object, or has an unknown trigger source, decodes to empty and the caller treats it as a miss. A worker's queue
 * set is a JSON object of queue name to queue id, decoded just as defensively.
 */
final class TaskMetadataCodec {

    private static final Set<String> SOURCES = Set.of("STANDARD", "SCHEDULED", "AGENT");

    private final JsonMapper json;

    TaskMetadataCodec(JsonMapper json) {
        this.json = json;
    }

    String encode(TaskMetadata metadata) {
        ObjectNode node = json.createObjectNode();
        putIfPresent(node, "t", metadata.ttl());
        node.put("s", metadata.triggerSource());
        putIfPresent(node, "q", metadata.queueId());
        putIfPresent(node, "n", metadata.queueName());
        return json.writeValueAsString(node);
    }

    Optional<TaskMetadata> decode(String raw) {
        return object(raw).flatMap(TaskMetadataCodec::metadata);
    }

    private static Optional<TaskMetadata> metadata(JsonNode node) {
        String source = text(node, "s");
        if (source == null || !SOURCES.contains(source)) {
            return Optional.empty();
        }
        JsonNode ttl = node.get("t");
        JsonNode queueId = node.get("q");
        JsonNode queueName = node.get("n");
        if (!nullOrText(ttl) || !nullOrText(queueId) || !nullOrText(queueName)) {
            return Optional.empty();
        }
        return Optional.of(new TaskMetadata(text(node, "t"), source, text(node, "q"), text(node, "n")));
    }

    String encodeQueues(Map<String, String> queueIds) {
        ObjectNode node = json.createObjectNode();
        queueIds.forEach(node::put);
        return json.writeValueAsString(node);
    }

    Optional<Map<String, String>> decodeQueues(String raw) {
        return object(raw).flatMap(TaskMetadataCodec::queueIds);
    }

    private static Optional<Map<String, String>> queueIds(JsonNode node) {
        Map<String, String> queueIds = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isString()) {
                return Optional.empty();
            }
            queueIds.put(entry.getKey(), entry.getValue().asString());
        }
        return Optional.of(queueIds);
    }

    /** The JSON object in {@code raw}, or empty for anything else (not JSON, an array, a string). */
    private Optional<JsonNode> object(String raw) {
        JsonNode node;
        try {
            node = json.readTree(raw);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
    }

    private static void putIfPresent(ObjectNode node, String key, String value) {
        if (value != null) {
            node.put(key, value);
        }
    }

    private static boolean nullOrText(JsonNode value) {
        return value == null || value.isNull() || value.isString();
    }

    private static String text(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value != null && value.isString() ? value.asString() : null;
    }
}
