package dev.triggerapi.schedule;

import java.time.Instant;
import java.util.List;

/**
 * A schedule as the SDK reads it ({@code ScheduleObject} in {@code @trigger.dev/core}). Null fields are omitted.
 *
 * @param id               public id, {@code sched_...}
 * @param type             DECLARATIVE or IMPERATIVE
 * @param task             the task it triggers
 * @param active           whether it fires
 * @param deduplicationKey the imperative schedule's deduplication key
 * @param externalId       the caller's own id, if given
 * @param generator        the cron expression and its description
 * @param timezone         IANA timezone the expression is evaluated in
 * @param nextRun          the next instant it fires, absent when inactive
 * @param environments     the environment it belongs to
 */
record ScheduleObject(String id, String type, String task, boolean active, String deduplicationKey,
                             String externalId, Generator generator, String timezone, Instant nextRun,
                             List<Environment> environments) {

    /**
     * @param type        always {@code CRON}
     * @param expression  the 5-field expression
     * @param description when it fires, in English
     */
    public record Generator(String type, String expression, String description) {
    }

    /**
     * @param id   environment id
     * @param type DEVELOPMENT, STAGING, PREVIEW or PRODUCTION
     */
    public record Environment(String id, String type) {
    }
}
