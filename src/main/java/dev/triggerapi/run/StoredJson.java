package dev.triggerapi.run;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * The one renderer of a payload, output or metadata stored exactly as a client sent it (text plus content type)
 * into the JSON the API shows: run retrieve, the run's metadata endpoint, metadata updates, and the realtime
 * feed all go through it, so one run looks the same wherever it is read.
 *
 * <p>The rule is the official SDK's own ({@code parsePacket} in {@code @trigger.dev/core}, which the SDK applies
 * to the realtime feed's raw columns): {@code application/json} is parsed; {@code application/super+json} is
 * parsed and its {@code json} member taken; every other content type (compared exactly, as the SDK does) is
 * shown as the stored string; empty text is nothing. A document that parses to a JSON string stays that string
 * (the SDK never parses twice). Unparseable JSON is shown as a string: rendering never fails a read. An
 * offloaded packet ({@code application/store}) renders as nothing: its content lives in the packet store, and
 * callers that can offer it give a download URL instead.
 */
public final class StoredJson {

    private static final String JSON = "application/json";
    private static final String SUPER_JSON = "application/super+json";
    private static final String STORE = "application/store";

    private StoredJson() {
    }

    /**
     * @param stored the stored text, or {@code null}
     * @param type   its content type, {@code null} meaning {@code application/json}
     * @return the JSON to show, or {@code null} when there is nothing to show inline
     */
    public static JsonNode render(JsonMapper json, String stored, String type) {
        if (stored == null || stored.isEmpty()) {
            return null;
        }
        String mediaType = type == null ? JSON : type;
        if (mediaType.equals(STORE)) {
            return null;
        }
        if (!mediaType.equals(JSON) && !mediaType.equals(SUPER_JSON)) {
            return StringNode.valueOf(stored);
        }
        JsonNode parsed;
        try {
            parsed = json.readTree(stored);
        } catch (JacksonException e) {
            return StringNode.valueOf(stored);
        }
        if (parsed == null || parsed.isMissingNode()) {
            return StringNode.valueOf(stored);
        }
        if (mediaType.equals(SUPER_JSON) && parsed.isObject() && parsed.has("json")) {
            return parsed.get("json");
        }
        return parsed;
    }

    /**
     * Stored metadata as it is shown: the rendered value when it is a JSON object, else {@code null} (the SDK's
     * schema for metadata is a record, so anything else could never be shown).
     */
    public static ObjectNode metadata(JsonMapper json, String stored, String type) {
        return render(json, stored, type) instanceof ObjectNode object ? object : null;
    }
}
