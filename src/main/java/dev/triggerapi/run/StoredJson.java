package dev.triggerapi.run;

import java.util.Locale;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.StringNode;

/**
 * Turns a payload, output or metadata stored exactly as a client sent it (text plus content type) into the
 * plain JSON the public API shows, as trigger.dev's own server does: SuperJSON ({@code application/super+json})
 * is parsed and its {@code .json} member taken; JSON that arrived as a JSON string (a serialized document)
 * is parsed once more; text and anything unparseable is shown as a string — rendering never fails a read.
 */
public final class StoredJson {

    private StoredJson() {
    }

    /**
     * @param stored the stored text, or {@code null}
     * @param type   its content type, {@code null} meaning {@code application/json}
     * @return the JSON to show, or {@code null} when nothing is stored
     */
    public static JsonNode render(JsonMapper json, String stored, String type) {
        if (stored == null) {
            return null;
        }
        String mediaType = type == null ? "application/json" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        boolean superJson = mediaType.equals("application/super+json");
        if (!superJson && !mediaType.endsWith("json")) {
            return StringNode.valueOf(stored);
        }
        JsonNode parsed = parse(json, stored);
        if (parsed == null) {
            return StringNode.valueOf(stored);
        }
        if (parsed.isString()) {
            JsonNode inner = parse(json, parsed.stringValue());
            if (inner != null) {
                parsed = inner;
            }
        }
        if (superJson && parsed.isObject() && parsed.has("json")) {
            return parsed.get("json");
        }
        return parsed;
    }

    private static JsonNode parse(JsonMapper json, String text) {
        try {
            return json.readTree(text);
        } catch (JacksonException e) {
            return null;
        }
    }
}
