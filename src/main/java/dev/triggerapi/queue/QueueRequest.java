package dev.triggerapi.queue;

/**
 * What a trigger asks the resolver.
 *
 * @param taskId        the task slug
 * @param queueName     queue override ({@code options.queue.name}), or null
 * @param lockToVersion worker version to lock the run to ({@code options.lockToVersion}), or null
 * @param ttl           per-trigger ttl ({@code options.ttl}), or null; beats the task's ttl
 */
public record QueueRequest(String taskId, String queueName, String lockToVersion, String ttl) {
}
