package dev.triggerapi.taskmeta;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.stereotype.Component;

/**
 * Read-through access to the task-metadata cache, in the spirit of {@code @Cacheable}: the caller names the
 * key and passes the database lookup; this class does the {@code HGET}, calls the lookup only on a miss, and
 * back-fills what the lookup found with the right script. Nothing is cached for something the database does
 * not have: caching an absence would hide a deploy until the entry expired.
 *
 * <h2>The environment's current view is built from the writer only</h2>
 * "Which worker is current" is the one fact in this cache that changes (promotion, rollback, a new
 * DEVELOPMENT registration). A lagging replica does not answer "no row" for it: it answers with the
 * <em>previous</em> current worker, so a replica-first read followed by a back-fill into a lost environment hash
 * would stamp the old worker as owner and keep routing triggers to it until the safety TTL ran out. Hence:
 * <ul>
 *   <li>warm path: one {@code HGET} on the environment hash, no database;</li>
 *   <li>miss: the current worker's task is read <b>on the writer</b> (one statement: the current worker is one
 *       indexed row, its task one unique-index row), and only that answer is back-filled, with the owner
 *       compare-and-set, so a promotion that lands in between keeps its hash;</li>
 *   <li>if that back-fill <em>created</em> the hash, its owner is confirmed with one more writer read, and the
 *       hash is removed if a promotion committed in between whose own cache write was lost (e.g. Redis
 *       restarted in that instant). So a cold resolve costs one writer read, at most two.</li>
 * </ul>
 * Chosen over a promotion generation checked by the back-fill script because a generation cannot survive the
 * very event that causes the problem (Redis losing the hash), and the writer answers "who is current" from one
 * indexed row anyway. Every promotion still replaces the whole hash after commit, so the view only needs
 * back-filling after it was lost, which is rare.
 *
 * <h2>Per-version facts may come from the replica</h2>
 * A worker's tasks and queues and a version's worker never change once registered, so a replica that has a
 * row has the right row; only its "no row" must be re-checked on the writer ({@link ReplicaFirstReader}).
 */
@Component
public class TaskMetadataReader {

    private final TaskMetadataCache cache;

    public TaskMetadataReader(TaskMetadataCache cache) {
        this.cache = cache;
    }

    /**
     * The environment's current-worker metadata for {@code slug}: {@code task-meta:env:<environmentId>}; on a
     * miss loaded by {@code writerRead} (the current worker and its task, on the writer) and back-filled. When
     * the back-fill created the hash, {@code writerCurrentWorker} confirms its owner (see the class comment).
     *
     * @param writerRead          the current worker's task, read on the writer
     * @param writerCurrentWorker the current worker's id, read on the writer
     */
    public TaskMetadataLookup<TaskMetadata> current(String environmentId, String slug,
                                                    Supplier<Optional<WorkerTaskMetadata>> writerRead,
                                                    Supplier<Optional<String>> writerCurrentWorker) {
        Optional<TaskMetadata> cached = cache.getCurrent(environmentId, slug);
        if (cached.isPresent()) {
            return new TaskMetadataLookup<>(cached, MetadataSource.CACHE);
        }
        Optional<WorkerTaskMetadata> loaded = writerRead.get();
        if (loaded.isEmpty()) {
            return new TaskMetadataLookup<>(Optional.empty(), MetadataSource.MISS);
        }
        WorkerTaskMetadata found = loaded.get();
        if (cache.backfillCurrent(environmentId, found.workerId(), slug, found.metadata())
                == TaskMetadataCache.CurrentBackfill.CREATED
                && !writerCurrentWorker.get().filter(found.workerId()::equals).isPresent()) {
            cache.dropUnconfirmedCurrent(environmentId, found.workerId());
        }
        return new TaskMetadataLookup<>(Optional.of(found.metadata()), MetadataSource.WRITER);
    }

    /**
     * One worker version's metadata for {@code slug}: {@code task-meta:by-worker:<workerId>}, loaded by
     * {@code database} on a miss and back-filled with a sliding TTL.
     */
    public TaskMetadataLookup<TaskMetadata> byWorker(String workerId, String slug,
                                                     Supplier<ReplicaFirstReader.Result<TaskMetadata>> database) {
        Optional<TaskMetadata> cached = cache.getByWorker(workerId, slug);
        if (cached.isPresent()) {
            return new TaskMetadataLookup<>(cached, MetadataSource.CACHE);
        }
        ReplicaFirstReader.Result<TaskMetadata> loaded = database.get();
        loaded.value().ifPresent(found -> cache.backfillByWorker(workerId, slug, found));
        return new TaskMetadataLookup<>(loaded.value(), MetadataSource.of(loaded.source()));
    }

    /**
     * The worker registered as {@code version}: {@code task-meta:versions:<environmentId>}, loaded by
     * {@code writerRead} on a miss (a version registered a moment ago may not be on the replica, and its absence
     * is a 422) and back-filled.
     */
    public TaskMetadataLookup<String> versionWorker(String environmentId, String version,
                                                    Supplier<Optional<String>> writerRead) {
        Optional<String> cached = cache.getVersionWorker(environmentId, version);
        if (cached.isPresent()) {
            return new TaskMetadataLookup<>(cached, MetadataSource.CACHE);
        }
        Optional<String> loaded = writerRead.get();
        loaded.ifPresent(workerId -> cache.backfillVersionWorker(environmentId, version, workerId));
        return new TaskMetadataLookup<>(loaded, loaded.isPresent() ? MetadataSource.WRITER : MetadataSource.MISS);
    }

    /**
     * One worker version's queue set (queue id by name): field {@value TaskMetadataCache#QUEUES_FIELD} of its
     * by-worker hash, loaded by {@code database} on a miss and back-filled. The set is written in the worker's
     * registration transaction, so a non-empty answer is the whole set; an empty one is not cached.
     */
    public TaskMetadataLookup<Map<String, String>> workerQueues(
            String workerId, Supplier<ReplicaFirstReader.Result<Map<String, String>>> database) {
        Optional<Map<String, String>> cached = cache.getWorkerQueues(workerId);
        if (cached.isPresent()) {
            return new TaskMetadataLookup<>(cached, MetadataSource.CACHE);
        }
        ReplicaFirstReader.Result<Map<String, String>> loaded = database.get();
        loaded.value().filter(queues -> !queues.isEmpty())
                .ifPresent(queues -> cache.backfillWorkerQueues(workerId, queues));
        return new TaskMetadataLookup<>(loaded.value(), MetadataSource.of(loaded.source()));
    }
}
