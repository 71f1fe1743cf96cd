package dev.triggerapi.schedule;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * Body of a create ({@code CreateScheduleOptions}) or update ({@code UpdateScheduleOptions}, no deduplication key).
 *
 * @param task             the task to trigger
 * @param cron             5-field Unix cron expression
 * @param deduplicationKey required on create: a second create with the same key updates that schedule
 * @param externalId       the caller's own id (e.g. a user id), passed to each run
 * @param timezone         IANA timezone, default UTC
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record ScheduleRequest(
        @NotBlank @Size(max = 128) String task,
        @NotBlank @Size(max = 256) String cron,
        @Size(max = 256) String deduplicationKey,
        @Size(max = 256) String externalId,
        @Size(max = 64) String timezone) {
}
