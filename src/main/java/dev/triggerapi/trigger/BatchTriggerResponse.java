package dev.triggerapi.trigger;

import java.util.List;

/**
 * Response of a batch trigger.
 *
 * @param id   public batch id ({@code batch_...})
 * @param runs one entry per item, in item order
 */
record BatchTriggerResponse(String id, List<Run> runs) {

    /**
     * @param id             public run id
     * @param taskIdentifier the item's task
     * @param isCached       true when an idempotency key matched an existing run
     */
    public record Run(String id, String taskIdentifier, boolean isCached) {
    }
}
