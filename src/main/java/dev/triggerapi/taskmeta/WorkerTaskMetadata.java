package dev.triggerapi.taskmeta;

/**
 * A task's metadata together with the worker version it was read from. The current-worker back-fill needs the
 * worker to decide whether the environment hash still belongs to it.
 *
 * @param workerId the worker version ({@code background_workers.id})
 * @param metadata the task's metadata on that worker
 */
public record WorkerTaskMetadata(String workerId, TaskMetadata metadata) {
}
