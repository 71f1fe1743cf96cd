package dev.triggerapi.taskmeta;

import java.util.Optional;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Encodes a {@link TaskMetadata} as a small JSON object with one-letter keys ({@code t} ttl, {@code s} trigger
 * source, {@code q} queue id, {@code n} queue name) and decodes it defensively: anything that is not such an
 * object, or has an unknown trigger source, decodes to empty and the caller treats it as a miss.
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
        JsonNode node;
        try {
            node = json.readTree(raw);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
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
