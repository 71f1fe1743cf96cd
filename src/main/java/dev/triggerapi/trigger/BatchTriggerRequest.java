package dev.triggerapi.trigger;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import tools.jackson.databind.JsonNode;

/**
 * Body of {@code POST /api/v1/tasks/batch}.
 *
 * @param items 1 to 500 triggers, created together in one transaction
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record BatchTriggerRequest(@NotNull @Size(min = 1, max = MAX_ITEMS) List<@NotNull @Valid Item> items) {

    /** Most items in one batch trigger. */
    public static final int MAX_ITEMS = 500;

    /**
     * One trigger of the batch.
     *
     * @param task    task id
     * @param payload any JSON, stored like a single trigger's payload
     * @param context accepted for compatibility, not stored
     * @param options trigger options
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Item(@NotBlank String task, JsonNode payload, JsonNode context, TriggerOptions options) {
    }
}
