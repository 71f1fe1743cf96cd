package dev.triggerapi.taskmeta;

import java.util.Map;
import java.util.Optional;

/**
 * The Redis task-metadata cache: two key spaces of hashes keyed by task slug.
 * <ul>
 *   <li>{@code <prefix>env:<environmentId>}: the environment's current worker, stamped with the owning worker id;
 *       a safety TTL bounds staleness and is never extended by a back-fill;</li>
 *   <li>{@code <prefix>by-worker:<workerId>}: one worker version, read by version-locked triggers; an idle TTL
 *       that every back-fill slides forward.</li>
 * </ul>
 * Every write is an atomic Lua script, so a reader never sees a half-replaced hash. The cache fails open: an
 * unreachable or failing Redis is logged, counted and reads as a miss; writes never throw.
 */
public interface TaskMetadataCache {

    /** Hash fields starting with this are the cache's own bookkeeping (owner, generation), never task slugs. */
    String RESERVED_FIELD_PREFIX = "__";

    /** True for a slug that cannot be cached because it collides with the bookkeeping fields. */
    static boolean isReservedSlug(String slug) {
        return slug.startsWith(RESERVED_FIELD_PREFIX);
    }

    /** A cache that never hits and drops every write (used when the cache is disabled). */
    static TaskMetadataCache disabled() {
        return new NoOpTaskMetadataCache();
    }

    /** The current worker's metadata for {@code slug} in the environment, if cached. One HGET. */
    Optional<TaskMetadata> getCurrent(String environmentId, String slug);

    /** The metadata for {@code slug} on one worker version, if cached. One HGET. */
    Optional<TaskMetadata> getByWorker(String workerId, String slug);

    /**
     * Back-fills a current-path miss. Always writes the by-worker hash; writes the environment hash only if
     * it belongs to {@code workerId} or has no owner yet (then stamps it), and gives it the safety TTL only
     * if it has none. A promotion that landed between the database read and this call therefore keeps its
     * hash.
     */
    void backfillCurrent(String environmentId, String workerId, String slug, TaskMetadata metadata);

    /** Back-fills a locked-path miss into the worker's hash and slides its idle TTL. */
    void backfillByWorker(String workerId, String slug, TaskMetadata metadata);

    /** Replaces one worker version's hash with exactly {@code tasks} (registration outside DEVELOPMENT). */
    void replaceWorker(String workerId, Map<String, TaskMetadata> tasks);

    /**
     * Makes {@code workerId} the environment's current worker in the cache: replaces the by-worker hash and
     * the environment hash (owner stamped, stale slugs dropped, even when {@code tasks} is empty). A write
     * with a lower {@code generation} than the one already stored leaves the environment hash alone, so two
     * promotions whose cache writes arrive out of order cannot resurrect the older one.
     */
    void replaceCurrent(String environmentId, String workerId, long generation, Map<String, TaskMetadata> tasks);
}
