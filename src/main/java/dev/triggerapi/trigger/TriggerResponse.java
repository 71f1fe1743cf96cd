package dev.triggerapi.trigger;

/**
 * Response of a trigger, as the SDK expects it.
 *
 * @param id       public run id ({@code run_...})
 * @param isCached true when an idempotency key matched an existing run
 */
record TriggerResponse(String id, boolean isCached) {
}
