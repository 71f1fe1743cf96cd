package dev.triggerapi.run;

import java.time.Instant;

/**
 * Published (as a Spring application event, inside the writer transaction) whenever a run row changes in a
 * way subscribers can see. Listeners that notify the outside world use
 * {@code @TransactionalEventListener(phase = AFTER_COMMIT)}, so nothing is announced that did not commit.
 *
 * @param runId         internal run id
 * @param friendlyId    public run id
 * @param environmentId the run's environment
 * @param updatedAt     the committed row's {@code updated_at}, taken from the write itself (a watermark)
 */
public record RunChangedEvent(String runId, String friendlyId, String environmentId, Instant updatedAt) {
}
