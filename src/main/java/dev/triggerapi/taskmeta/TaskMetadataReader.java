package dev.triggerapi.taskmeta;

import java.util.Optional;
import java.util.function.Supplier;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.stereotype.Component;

/**
 * Read-through access to the task-metadata cache, in the spirit of {@code @Cacheable}: the caller names the
 * key space and key and passes the database lookup; this class does the {@code HGET}, calls the lookup only on
 * a miss, and back-fills what the lookup found with the right script. The lookup is a
 * {@link ReplicaFirstReader} read, so its result says whether the replica or the writer answered.
 *
 * <p>Nothing is cached for a task the database does not know: such triggers are rare, and caching the absence
 * would hide a deploy until the entry expired.
 */
@Component
public class TaskMetadataReader {

    private final TaskMetadataCache cache;

    public TaskMetadataReader(TaskMetadataCache cache) {
        this.cache = cache;
    }

    /**
     * The environment's current-worker metadata for {@code slug}: {@code task-meta:env:<environmentId>}, loaded by
     * {@code database} on a miss and back-filled with the owner compare-and-set.
     */
    public TaskMetadataLookup current(String environmentId, String slug,
                                      Supplier<ReplicaFirstReader.Result<WorkerTaskMetadata>> database) {
        Optional<TaskMetadata> cached = cache.getCurrent(environmentId, slug);
        if (cached.isPresent()) {
            return new TaskMetadataLookup(cached, MetadataSource.CACHE);
        }
        ReplicaFirstReader.Result<WorkerTaskMetadata> loaded = database.get();
        loaded.value().ifPresent(found -> cache.backfillCurrent(environmentId, found.workerId(), slug, found.metadata()));
        return new TaskMetadataLookup(loaded.value().map(WorkerTaskMetadata::metadata), MetadataSource.of(loaded.source()));
    }

    /**
     * One worker version's metadata for {@code slug}: {@code task-meta:by-worker:<workerId>}, loaded by
     * {@code database} on a miss and back-filled with a sliding TTL.
     */
    public TaskMetadataLookup byWorker(String workerId, String slug,
                                       Supplier<ReplicaFirstReader.Result<TaskMetadata>> database) {
        Optional<TaskMetadata> cached = cache.getByWorker(workerId, slug);
        if (cached.isPresent()) {
            return new TaskMetadataLookup(cached, MetadataSource.CACHE);
        }
        ReplicaFirstReader.Result<TaskMetadata> loaded = database.get();
        loaded.value().ifPresent(found -> cache.backfillByWorker(workerId, slug, found));
        return new TaskMetadataLookup(loaded.value(), MetadataSource.of(loaded.source()));
    }
}
