package dev.triggerapi.taskmeta;

import java.util.Map;

/**
 * Everything the cache keeps about one registered worker version. All of it is fixed at registration: a
 * version names one worker for good, and a worker's tasks and queues never change afterwards, so none of it
 * ever needs invalidating.
 *
 * @param environmentId the environment the version belongs to
 * @param version       the version string ({@code lockToVersion})
 * @param workerId      the worker version ({@code background_workers.id})
 * @param tasks         its task metadata by slug
 * @param queueIds      its queues: queue id by queue name ({@code background_worker_queues})
 */
public record WorkerVersion(String environmentId, String version, String workerId, Map<String, TaskMetadata> tasks,
                            Map<String, String> queueIds) {

    public WorkerVersion {
        tasks = Map.copyOf(tasks);
        queueIds = Map.copyOf(queueIds);
    }
}
