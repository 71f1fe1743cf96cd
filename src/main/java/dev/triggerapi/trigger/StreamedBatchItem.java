package dev.triggerapi.trigger;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import tools.jackson.databind.JsonNode;

/**
 * One NDJSON line of {@code POST /api/v3/batches/{id}/items}.
 *
 * @param index   the item's position in the batch; re-sent items with a known index are deduplicated
 * @param task    task id
 * @param payload payload as the SDK serialized it
 * @param options trigger options
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record StreamedBatchItem(Integer index, String task, JsonNode payload, TriggerOptions options) {
}
