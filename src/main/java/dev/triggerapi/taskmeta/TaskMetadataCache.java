package dev.triggerapi.taskmeta;

import java.util.Map;
import java.util.Optional;

/**
 * The Redis task-metadata cache: three key spaces of hashes.
 * <ul>
 *   <li>{@code <prefix>env:<environmentId>}: the environment's current worker, task metadata by slug, stamped
 *       with the owning worker id; a safety TTL bounds staleness and is never extended by a back-fill. Only
 *       what the writer said is current ever goes in (see {@link TaskMetadataReader});</li>
 *   <li>{@code <prefix>by-worker:<workerId>}: one worker version, task metadata by slug plus its queue set
 *       (field {@value #QUEUES_FIELD}), read by version-locked triggers; an idle TTL that every back-fill slides
 *       forward;</li>
 *   <li>{@code <prefix>versions:<environmentId>}: version → worker id, for version-locked triggers; same idle
 *       TTL.</li>
 * </ul>
 * The by-worker and versions entries are immutable facts (see {@link WorkerVersion}) and need no invalidation.
 * Every write is an atomic Lua script, so a reader never sees a half-replaced hash. The cache fails open: an
 * unreachable or failing Redis is logged, counted and reads as a miss; writes never throw. Nothing is ever
 * cached for something the database does not have.
 */
public interface TaskMetadataCache {

    /** Hash fields starting with this are the cache's own bookkeeping (owner, generation), never task slugs. */
    String RESERVED_FIELD_PREFIX = "__";

    /** The by-worker hash field holding the worker's queue set. */
    String QUEUES_FIELD = "__queues";

    /** True for a slug that cannot be cached because it collides with the bookkeeping fields. */
    static boolean isReservedSlug(String slug) {
        return slug.startsWith(RESERVED_FIELD_PREFIX);
    }

    /** A cache that never hits and drops every write (used when the cache is disabled). */
    static TaskMetadataCache disabled() {
        return new NoOpTaskMetadataCache();
    }

    /** What a current-path back-fill did to the environment hash. */
    enum CurrentBackfill {
        /** The hash did not exist: this back-fill created it, owned by the worker it was given. */
        CREATED,
        /** The hash belongs to the worker: the slug was added. */
        ADDED,
        /** The hash belongs to another worker (a newer promotion): left alone. */
        REFUSED,
        /** Nothing was written (cache disabled or failing). */
        SKIPPED
    }

    /** The current worker's metadata for {@code slug} in the environment, if cached. One HGET. */
    Optional<TaskMetadata> getCurrent(String environmentId, String slug);

    /** The metadata for {@code slug} on one worker version, if cached. One HGET. */
    Optional<TaskMetadata> getByWorker(String workerId, String slug);

    /** The worker registered as {@code version} in the environment, if cached. One HGET. */
    Optional<String> getVersionWorker(String environmentId, String version);

    /** One worker version's queue set (queue id by name), if cached. One HGET. */
    Optional<Map<String, String>> getWorkerQueues(String workerId);

    /**
     * Back-fills a current-path miss with what the writer said: {@code workerId} is current and has
     * {@code metadata} for {@code slug}. Always writes the by-worker hash; writes the environment hash only if
     * it belongs to {@code workerId} or does not exist (then creates and stamps it), and gives it the safety
     * TTL only if it has none. A promotion that landed between the writer read and this call therefore keeps
     * its hash.
     */
    CurrentBackfill backfillCurrent(String environmentId, String workerId, String slug, TaskMetadata metadata);

    /**
     * Removes the environment hash if it is still the one a back-fill created for {@code workerId} (owned by it,
     * never stamped by a promotion): used when the writer no longer confirms {@code workerId} as current.
     */
    void dropUnconfirmedCurrent(String environmentId, String workerId);

    /** Back-fills a locked-path miss into the worker's hash and slides its idle TTL. */
    void backfillByWorker(String workerId, String slug, TaskMetadata metadata);

    /** Back-fills version → worker after the writer found it, sliding the versions hash's idle TTL. */
    void backfillVersionWorker(String environmentId, String version, String workerId);

    /** Back-fills a worker's complete queue set after the database returned it, sliding the hash's idle TTL. */
    void backfillWorkerQueues(String workerId, Map<String, String> queueIds);

    /**
     * Caches a worker version registered outside DEVELOPMENT: replaces its by-worker hash (tasks and queue
     * set) and records version → worker. The environment's current view does not change.
     */
    void replaceWorker(WorkerVersion worker);

    /**
     * Makes {@code worker} the environment's current worker in the cache: replaces the by-worker hash, records
     * version → worker, and replaces the environment hash (owner stamped, stale slugs dropped, even when the
     * worker has no tasks). A write with a lower {@code generation} than the one already stored leaves the
     * environment hash alone, so two promotions whose cache writes arrive out of order cannot resurrect the
     * older one.
     */
    void replaceCurrent(WorkerVersion worker, long generation);
}
