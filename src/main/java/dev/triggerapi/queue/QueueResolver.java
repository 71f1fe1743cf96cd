package dev.triggerapi.queue;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.deployment.QueueNames;
import dev.triggerapi.deployment.TriggerSource;
import dev.triggerapi.deployment.WorkerTaskLookup;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.taskmeta.MetadataSource;
import dev.triggerapi.taskmeta.TaskMetadata;
import dev.triggerapi.taskmeta.TaskMetadataLookup;
import dev.triggerapi.taskmeta.TaskMetadataReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Service;

/**
 * Resolves the queue, ttl and trigger source of a trigger: cache first, then the replica, then the writer.
 *
 * <ul>
 *   <li><b>Locked</b> ({@code lockToVersion}): the worker is looked up by version on the writer (the version
 *       may have been registered a moment ago). Its task metadata comes from the by-worker cache, else the
 *       replica, else the writer; a queue override must be one of that worker's queues (checked on the
 *       writer, uncached).</li>
 *   <li><b>Current</b>: the current worker's metadata from the environment cache, else the replica, else the
 *       writer (the replica can lag a fresh deploy), back-filled with the owner compare-and-set. A task
 *       nobody knows yet is not an error: it runs on {@code task/<taskId>} once a worker has it.</li>
 * </ul>
 * A replica "no row" is never final by itself, so no 422 is answered before the writer agreed. Counter
 * {@code task_meta_cache.resolve{path, source}} records where each metadata answer came from.
 */
@Service
public class QueueResolver {

    private final TaskMetadataReader metadata;
    private final WorkerTaskLookup workers;
    private final ReplicaFirstReader database;
    private final Map<MetadataSource, Counter> lockedCounters = new EnumMap<>(MetadataSource.class);
    private final Map<MetadataSource, Counter> currentCounters = new EnumMap<>(MetadataSource.class);

    public QueueResolver(TaskMetadataReader metadata, WorkerTaskLookup workers, ReplicaFirstReader database,
                         MeterRegistry meters) {
        this.metadata = metadata;
        this.workers = workers;
        this.database = database;
        for (MetadataSource source : MetadataSource.values()) {
            lockedCounters.put(source, counter(meters, "locked", source));
            currentCounters.put(source, counter(meters, "current", source));
        }
    }

    /**
     * @throws ApiException 422 with the exact message clients match on, for version-locked triggers whose
     *                      version, task or queue does not exist
     */
    public ResolvedQueue resolve(AuthenticatedEnvironment environment, QueueRequest request) {
        return request.lockToVersion() != null
                ? resolveLocked(environment, request)
                : resolveCurrent(environment, request);
    }

    private ResolvedQueue resolveLocked(AuthenticatedEnvironment environment, QueueRequest request) {
        String version = request.lockToVersion();
        String taskId = request.taskId();
        String workerId = database.onWriter(() -> workers.workerIdForVersion(environment.id(), version))
                .orElseThrow(() -> ApiException.unprocessable(
                        "Task locked to version '" + version + "', but no worker found with that version."));
        if (request.queueName() != null) {
            // The override must be one of the locked worker's queues: checked on the writer, uncached, because a
            // version registered a moment ago may not be on the replica and a wrong answer here is a 422.
            String queueName = QueueNames.sanitize(request.queueName(), taskId);
            String queueId = database.onWriter(() -> workers.workerQueueId(environment.id(), workerId, queueName))
                    .orElseThrow(() -> ApiException.unprocessable("Specified queue '" + request.queueName()
                            + "' not found or not associated with locked version '" + version + "'."));
            Optional<TaskMetadata> task = lockedMetadata(workerId, taskId);
            return new ResolvedQueue(queueName, queueId, workerId, ttl(request, task), source(task));
        }
        Optional<TaskMetadata> task = lockedMetadata(workerId, taskId);
        TaskMetadata found = task.orElseThrow(() -> ApiException.unprocessable(
                "Task '" + taskId + "' not found on locked version '" + version + "'."));
        if (!found.hasQueue()) {
            throw ApiException.unprocessable("Default queue configuration for task '" + taskId
                    + "' missing on locked version '" + version + "'.");
        }
        return new ResolvedQueue(QueueNames.sanitize(found.queueName(), taskId), found.queueId(), workerId,
                ttl(request, task), found.triggerSource());
    }

    private Optional<TaskMetadata> lockedMetadata(String workerId, String taskId) {
        TaskMetadataLookup lookup = metadata.byWorker(workerId, taskId,
                () -> database.read(() -> workers.workerTask(workerId, taskId)));
        lockedCounters.get(lookup.source()).increment();
        return lookup.metadata();
    }

    private ResolvedQueue resolveCurrent(AuthenticatedEnvironment environment, QueueRequest request) {
        String taskId = request.taskId();
        TaskMetadataLookup lookup = metadata.current(environment.id(), taskId,
                () -> database.read(() -> workers.currentWorkerTask(environment.id(), environment.type(), taskId)));
        currentCounters.get(lookup.source()).increment();
        Optional<TaskMetadata> task = lookup.metadata();
        String queueName = request.queueName() != null
                ? request.queueName()
                : task.filter(TaskMetadata::hasQueue).map(TaskMetadata::queueName).orElse(null);
        return new ResolvedQueue(QueueNames.sanitize(queueName, taskId), null, null, ttl(request, task), source(task));
    }

    private static String ttl(QueueRequest request, Optional<TaskMetadata> task) {
        return request.ttl() != null ? request.ttl() : task.map(TaskMetadata::ttl).orElse(null);
    }

    private static String source(Optional<TaskMetadata> task) {
        return task.map(TaskMetadata::triggerSource).orElse(TriggerSource.STANDARD.name());
    }

    private static Counter counter(MeterRegistry meters, String path, MetadataSource source) {
        return Counter.builder("task_meta_cache.resolve")
                .description("Task-metadata lookups of the trigger path by path and by where the answer came from")
                .tag("path", path).tag("source", source.label()).register(meters);
    }
}
