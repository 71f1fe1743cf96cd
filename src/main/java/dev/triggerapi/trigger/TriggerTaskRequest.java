package dev.triggerapi.trigger;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import tools.jackson.databind.JsonNode;

/**
 * Body of {@code POST /api/v1/tasks/{taskId}/trigger}.
 *
 * @param payload any JSON; a JSON string (what the SDK sends, e.g. SuperJSON) is stored as that string
 * @param context accepted for compatibility, not stored
 * @param options trigger options, may be absent
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record TriggerTaskRequest(JsonNode payload, JsonNode context, TriggerOptions options) {
}
