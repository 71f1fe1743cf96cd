package dev.triggerapi.trigger;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /api/v3/batches}, the first phase of the SDK's batch trigger.
 *
 * @param runCount        how many items will stream in (1 to 1,000)
 * @param taskIdentifiers the tasks the items trigger (informational)
 * @param idempotencyKey  a key that makes re-creating the same batch return it ({@code isCached})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record StreamedBatchRequest(@NotNull @Min(1) @Max(1000) Integer runCount,
                                   @Size(max = 1000) List<String> taskIdentifiers,
                                   @Size(max = 2048) String idempotencyKey) {
}
