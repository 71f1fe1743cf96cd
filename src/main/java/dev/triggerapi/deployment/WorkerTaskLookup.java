package dev.triggerapi.deployment;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.taskmeta.TaskMetadata;
import dev.triggerapi.taskmeta.WorkerTaskMetadata;
import org.springframework.stereotype.Component;

/**
 * The queries a trigger needs about workers, tasks and queues, each one statement through the feature's
 * repositories, returning ids or constructor projections rather than entities (the trigger path needs a few
 * columns, and skipping entity initialisation keeps a no-cache resolve near the cost of the plain SQL it replaced). They carry no transaction of their own: the caller decides where each runs (replica in a read-only
 * transaction, or the writer), typically through {@code ReplicaFirstReader}, and maps nothing lazy outside it
 * (every method returns records).
 */
@Component
public class WorkerTaskLookup {

    private final BackgroundWorkerRepository workers;
    private final BackgroundWorkerTaskRepository tasks;
    private final WorkerDeploymentPromotionRepository promotions;

    WorkerTaskLookup(BackgroundWorkerRepository workers, BackgroundWorkerTaskRepository tasks,
                     WorkerDeploymentPromotionRepository promotions) {
        this.workers = workers;
        this.tasks = tasks;
        this.promotions = promotions;
    }

    /**
     * {@code slug} on the environment's current worker: the newest worker in DEVELOPMENT, the promoted
     * deployment's worker elsewhere. Empty when there is no current worker or it has no such task.
     */
    public Optional<WorkerTaskMetadata> currentWorkerTask(String environmentId, EnvironmentType type, String slug) {
        Optional<TaskRow> task = type == EnvironmentType.DEVELOPMENT
                ? tasks.findOnNewestWorker(environmentId, slug)
                : tasks.findOnPromotedWorker(environmentId, slug);
        return task.map(t -> new WorkerTaskMetadata(t.workerId(), t.metadata()));
    }

    /** The worker registered as {@code version} in the environment (internal id). */
    public Optional<String> workerIdForVersion(String environmentId, String version) {
        return workers.findIdByEnvironmentIdAndVersion(environmentId, version);
    }

    /** {@code slug} on one worker version. */
    public Optional<TaskMetadata> workerTask(String workerId, String slug) {
        return tasks.findOnWorker(workerId, slug).map(TaskRow::metadata);
    }

    /**
     * The environment's current worker: the newest worker in DEVELOPMENT, the promoted deployment's worker
     * elsewhere. One indexed row.
     */
    public Optional<String> currentWorkerId(String environmentId, EnvironmentType type) {
        return type == EnvironmentType.DEVELOPMENT
                ? workers.findNewestId(environmentId)
                : promotions.findById(environmentId).map(WorkerDeploymentPromotion::workerId);
    }

    /**
     * The queues the worker declared, queue id by name; empty when the worker has none (or is not visible
     * where this runs). The set is written in the worker's registration transaction and never changes.
     */
    public Map<String, String> workerQueues(String environmentId, String workerId) {
        Map<String, String> queues = new HashMap<>();
        workers.findQueues(environmentId, workerId).forEach(queue -> queues.put(queue.name(), queue.id()));
        return queues;
    }
}
