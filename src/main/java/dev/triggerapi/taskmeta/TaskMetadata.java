package dev.triggerapi.taskmeta;

/**
 * What a trigger needs to know about a task of one worker version, as cached per slug.
 *
 * @param ttl           the task's default ttl as declared (e.g. {@code 10m}), or null
 * @param triggerSource STANDARD, SCHEDULED or AGENT
 * @param queueId       the task's default queue ({@code task_queues.id}), or null when it has none
 * @param queueName     that queue's name, or null when it has none
 */
public record TaskMetadata(String ttl, String triggerSource, String queueId, String queueName) {

    /** True when the task declares a default queue. */
    public boolean hasQueue() {
        return queueId != null && queueName != null;
    }
}
