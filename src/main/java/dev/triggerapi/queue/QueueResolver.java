package dev.triggerapi.queue;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.datasource.ReadSource;
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
 * Resolves the queue, ttl and trigger source of a trigger. Every lookup goes through the task-metadata cache
 * ({@link TaskMetadataReader}); on a miss:
 *
 * <ul>
 *   <li><b>Current</b>: the current worker's task is read on the writer (a lagging replica would answer with
 *       the previous current worker, see {@link TaskMetadataReader}), back-filled with the owner compare-and-set.
 *       A task nobody knows yet is not an error: it runs on {@code task/<taskId>} once a worker has it.</li>
 *   <li><b>Locked</b> ({@code lockToVersion}): version → worker is read on the writer (a version registered a
 *       moment ago may not be on the replica, and its absence is a 422); the worker's task, and for a queue
 *       override its queue set, replica first with the writer re-check. All three are immutable once
 *       registered and cached without invalidation, so a locked trigger to a known version reads no database.</li>
 * </ul>
 * A replica "no row" is never final by itself, so no 422 is answered before the writer agreed. Counters:
 * {@code task_meta_cache.resolve{path, source}} says where each task-metadata answer came from, and
 * {@code trigger.resolve_db_reads{lookup, source}} counts every database statement this class caused, by what
 * it looked up and which server answered.
 */
@Service
public class QueueResolver {

    /** What a database read of the resolver was for: the {@code lookup} label. */
    enum Lookup {
        /** The current worker's task, on the writer (current path, cache miss). */
        CURRENT_TASK,
        /** Confirming the owner of an environment hash a back-fill created, on the writer. */
        CURRENT_WORKER,
        /** Version → worker, on the writer (locked path, cache miss). */
        VERSION_WORKER,
        /** One worker version's task (locked path, cache miss). */
        WORKER_TASK,
        /** One worker version's queue set (locked path with a queue override, cache miss). */
        WORKER_QUEUES;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    private final TaskMetadataReader metadata;
    private final WorkerTaskLookup workers;
    private final ReplicaFirstReader database;
    private final Map<MetadataSource, Counter> lockedCounters = new EnumMap<>(MetadataSource.class);
    private final Map<MetadataSource, Counter> currentCounters = new EnumMap<>(MetadataSource.class);
    private final Map<Lookup, Counter> replicaReads = new EnumMap<>(Lookup.class);
    private final Map<Lookup, Counter> writerReads = new EnumMap<>(Lookup.class);

    public QueueResolver(TaskMetadataReader metadata, WorkerTaskLookup workers, ReplicaFirstReader database,
                         MeterRegistry meters) {
        this.metadata = metadata;
        this.workers = workers;
        this.database = database;
        for (MetadataSource source : MetadataSource.values()) {
            lockedCounters.put(source, counter(meters, "locked", source));
            currentCounters.put(source, counter(meters, "current", source));
        }
        for (Lookup lookup : Lookup.values()) {
            replicaReads.put(lookup, dbReads(meters, lookup, "replica"));
            writerReads.put(lookup, dbReads(meters, lookup, "writer"));
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
        String workerId = metadata.versionWorker(environment.id(), version,
                        () -> onWriter(Lookup.VERSION_WORKER, () -> workers.workerIdForVersion(environment.id(), version)))
                .value()
                .orElseThrow(() -> ApiException.unprocessable(
                        "Task locked to version '" + version + "', but no worker found with that version."));
        if (request.queueName() != null) {
            // The override must be one of the locked worker's queues. The set is complete wherever it was
            // read (cache, replica or writer: it commits with the worker), so a name missing from it is final.
            String queueName = QueueNames.sanitize(request.queueName(), taskId);
            String queueId = metadata.workerQueues(workerId,
                            () -> replicaFirst(Lookup.WORKER_QUEUES, () -> Optional.of(
                                    workers.workerQueues(environment.id(), workerId)).filter(q -> !q.isEmpty())))
                    .value().map(queues -> queues.get(queueName))
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
        TaskMetadataLookup<TaskMetadata> lookup = metadata.byWorker(workerId, taskId,
                () -> replicaFirst(Lookup.WORKER_TASK, () -> workers.workerTask(workerId, taskId)));
        lockedCounters.get(lookup.source()).increment();
        return lookup.value();
    }

    private ResolvedQueue resolveCurrent(AuthenticatedEnvironment environment, QueueRequest request) {
        String taskId = request.taskId();
        TaskMetadataLookup<TaskMetadata> lookup = metadata.current(environment.id(), taskId,
                () -> onWriter(Lookup.CURRENT_TASK,
                        () -> workers.currentWorkerTask(environment.id(), environment.type(), taskId)),
                () -> onWriter(Lookup.CURRENT_WORKER,
                        () -> workers.currentWorkerId(environment.id(), environment.type())));
        currentCounters.get(lookup.source()).increment();
        Optional<TaskMetadata> task = lookup.value();
        String queueName = request.queueName() != null
                ? request.queueName()
                : task.filter(TaskMetadata::hasQueue).map(TaskMetadata::queueName).orElse(null);
        return new ResolvedQueue(QueueNames.sanitize(queueName, taskId), null, null, ttl(request, task), source(task));
    }

    private <T> T onWriter(Lookup lookup, Supplier<T> query) {
        writerReads.get(lookup).increment();
        return database.onWriter(query);
    }

    private <T> ReplicaFirstReader.Result<T> replicaFirst(Lookup lookup, Supplier<Optional<T>> query) {
        ReplicaFirstReader.Result<T> result = database.read(query);
        replicaReads.get(lookup).increment();
        if (result.source() != ReadSource.REPLICA) {
            writerReads.get(lookup).increment(); // the replica had no row: the writer was asked too
        }
        return result;
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

    private static Counter dbReads(MeterRegistry meters, Lookup lookup, String source) {
        return Counter.builder("trigger.resolve_db_reads")
                .description("Database statements run to resolve a trigger's queue, by what they looked up and "
                        + "which server they went to (a read the cache answered costs none)")
                .tag("lookup", lookup.label).tag("source", source).register(meters);
    }
}
