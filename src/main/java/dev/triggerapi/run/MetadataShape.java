package dev.triggerapi.run;

import dev.triggerapi.api.ApiException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What run metadata must look like wherever it is written (trigger options, batch items, metadata updates):
 * once rendered as the public API shows it ({@link StoredJson}), a JSON object nested at most
 * {@value MetadataPatch#MAX_DEPTH} levels. The SDK's schema for a retrieved run's {@code metadata} is a
 * record, so anything else could be stored but never shown.
 */
public final class MetadataShape {

    private MetadataShape() {
    }

    /**
     * @param field  the request field, for the error message
     * @param stored the metadata as it will be stored, or {@code null} for none
     * @param type   its content type ({@code null} meaning JSON)
     * @throws ApiException 400 when the metadata is not an object or is nested too deeply
     */
    public static void check(JsonMapper json, String field, String stored, String type) {
        if (stored == null) {
            return;
        }
        JsonNode rendered = StoredJson.render(json, stored, type);
        if (rendered == null || !rendered.isObject()) {
            throw ApiException.badRequest(field + ": must be a JSON object");
        }
        if (MetadataPatch.depth(rendered) > MetadataPatch.MAX_DEPTH) {
            throw ApiException.badRequest(field + ": must not be nested deeper than " + MetadataPatch.MAX_DEPTH
                    + " levels");
        }
    }
}
