package dev.triggerapi.taskmeta;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.DisposableBean;

/**
 * An in-process cache in front of the Redis task-metadata cache, so a warm trigger resolves without a Redis
 * round trip.
 *
 * <ul>
 *   <li><b>Immutable key spaces</b> (a worker version's task metadata and queue set, version → worker): cached
 *       outright, bounded in size, no invalidation needed — a worker version never changes once registered.</li>
 *   <li><b>Current worker</b> ({@code env:<environmentId>}): served from memory only while the invalidation link
 *       is live ({@link TaskMetaInvalidations}). Every Lua script that changes an environment hash publishes its
 *       key in the same atomic script; each instance drops that environment's entries when the message arrives,
 *       and drops the whole current key space whenever the link goes down or comes back. A value loaded from
 *       Redis is kept only if no invalidation happened while it was loaded (the epoch check), so a promotion that
 *       races with a load cannot leave the old worker behind. Entries also expire after {@code currentMaxAge},
 *       a backstop for what no message can report (e.g. the Redis hash expiring).</li>
 * </ul>
 * Only hits are cached, never "not found". Writes go to Redis as before; this instance's own current entries
 * for the environment are dropped at once, before and after the write, so it reads its own promotions without
 * waiting for the message.
 */
final class NearTaskMetadataCache implements TaskMetadataCache, DisposableBean {

    private record Field(String owner, String field) {
    }

    private final TaskMetadataCache redis;
    private final TaskMetaInvalidations invalidations;
    private final Cache<Field, TaskMetadata> current;
    private final Cache<Field, TaskMetadata> byWorker;
    private final Cache<Field, String> versions;
    private final Cache<String, Map<String, String>> queues;
    private final Counter currentHits;
    private final Counter currentMisses;
    private final Counter immutableHits;
    private final Counter immutableMisses;
    private final Counter bypassed;

    /**
     * @param invalidationsFactory builds the link, given the callbacks it must call; started here
     */
    NearTaskMetadataCache(TaskMetadataCache redis, TaskMetaCacheProperties.Near settings, MeterRegistry meters,
                          InvalidationsFactory invalidationsFactory) {
        this.redis = redis;
        this.current = Caffeine.newBuilder().maximumSize(settings.maximumSize())
                .expireAfterWrite(settings.currentMaxAge()).build();
        this.byWorker = Caffeine.newBuilder().maximumSize(settings.maximumSize()).build();
        this.versions = Caffeine.newBuilder().maximumSize(settings.maximumSize()).build();
        this.queues = Caffeine.newBuilder().maximumSize(settings.maximumSize()).build();
        this.currentHits = lookups(meters, "current", "hit");
        this.currentMisses = lookups(meters, "current", "miss");
        this.immutableHits = lookups(meters, "immutable", "hit");
        this.immutableMisses = lookups(meters, "immutable", "miss");
        this.bypassed = lookups(meters, "current", "bypassed");
        this.invalidations = invalidationsFactory.create(this::invalidateEnvironment, current::invalidateAll);
        Gauge.builder("task_meta_cache.near.live", invalidations, link -> link.live() ? 1 : 0)
                .description("1 while the near cache receives invalidations and serves current-worker entries from "
                        + "memory; 0 while it reads them from Redis").register(meters);
        Gauge.builder("task_meta_cache.near.size", this, near -> near.current.estimatedSize()
                        + near.byWorker.estimatedSize() + near.versions.estimatedSize() + near.queues.estimatedSize())
                .description("Entries held in the near cache (all key spaces)").register(meters);
        invalidations.start();
    }

    /** Builds the invalidation link with the callbacks the near cache needs. */
    @FunctionalInterface
    interface InvalidationsFactory {
        TaskMetaInvalidations create(java.util.function.Consumer<String> onEnvironment, Runnable onLinkChange);
    }

    private static Counter lookups(MeterRegistry meters, String keySpace, String result) {
        return Counter.builder("task_meta_cache.near.lookups")
                .description("Near-cache lookups by key space (current worker, or the immutable worker-version "
                        + "spaces) and result; bypassed = the invalidation link was down, Redis was asked")
                .tag("key_space", keySpace).tag("result", result).register(meters);
    }

    /** Whether current-worker entries are being served from memory (the invalidation link is live). */
    boolean live() {
        return invalidations.live();
    }

    private void invalidateEnvironment(String environmentId) {
        current.asMap().keySet().removeIf(field -> field.owner().equals(environmentId));
    }

    /** This instance changes an environment hash: loads racing with it must not keep what they read. */
    private void invalidateLocally(String environmentId) {
        invalidations.bump();
        invalidateEnvironment(environmentId);
    }

    @Override
    public Optional<TaskMetadata> getCurrent(String environmentId, String slug) {
        if (!invalidations.live()) {
            bypassed.increment();
            return redis.getCurrent(environmentId, slug);
        }
        Field key = new Field(environmentId, slug);
        TaskMetadata held = current.getIfPresent(key);
        if (held != null) {
            currentHits.increment();
            return Optional.of(held);
        }
        currentMisses.increment();
        long epoch = invalidations.epoch();
        Optional<TaskMetadata> loaded = redis.getCurrent(environmentId, slug);
        loaded.ifPresent(metadata -> {
            current.put(key, metadata);
            // An invalidation (or a link change) while this value was loaded may be older or newer than the value:
            // either the invalidator removes the entry after this put, or this check sees its epoch and does.
            if (invalidations.epoch() != epoch || !invalidations.live()) {
                current.asMap().remove(key, metadata);
            }
        });
        return loaded;
    }

    @Override
    public Optional<TaskMetadata> getByWorker(String workerId, String slug) {
        return immutable(byWorker, new Field(workerId, slug), () -> redis.getByWorker(workerId, slug));
    }

    @Override
    public Optional<String> getVersionWorker(String environmentId, String version) {
        return immutable(versions, new Field(environmentId, version),
                () -> redis.getVersionWorker(environmentId, version));
    }

    @Override
    public Optional<Map<String, String>> getWorkerQueues(String workerId) {
        return immutable(queues, workerId, () -> redis.getWorkerQueues(workerId));
    }

    private <K, V> Optional<V> immutable(Cache<K, V> cache, K key, Supplier<Optional<V>> load) {
        V held = cache.getIfPresent(key);
        if (held != null) {
            immutableHits.increment();
            return Optional.of(held);
        }
        immutableMisses.increment();
        Optional<V> loaded = load.get();
        loaded.ifPresent(value -> cache.put(key, value));
        return loaded;
    }

    @Override
    public CurrentBackfill backfillCurrent(String environmentId, String workerId, String slug, TaskMetadata metadata) {
        CurrentBackfill result = redis.backfillCurrent(environmentId, workerId, slug, metadata);
        if (result == CurrentBackfill.CREATED) {
            invalidateLocally(environmentId);
        }
        return result;
    }

    @Override
    public void dropUnconfirmedCurrent(String environmentId, String workerId) {
        invalidateLocally(environmentId);
        redis.dropUnconfirmedCurrent(environmentId, workerId);
        invalidateLocally(environmentId);
    }

    @Override
    public void backfillByWorker(String workerId, String slug, TaskMetadata metadata) {
        redis.backfillByWorker(workerId, slug, metadata);
    }

    @Override
    public void backfillVersionWorker(String environmentId, String version, String workerId) {
        redis.backfillVersionWorker(environmentId, version, workerId);
    }

    @Override
    public void backfillWorkerQueues(String workerId, Map<String, String> queueIds) {
        redis.backfillWorkerQueues(workerId, queueIds);
    }

    @Override
    public void replaceWorker(WorkerVersion worker) {
        redis.replaceWorker(worker);
    }

    @Override
    public void replaceCurrent(WorkerVersion worker, long generation) {
        invalidateLocally(worker.environmentId());
        redis.replaceCurrent(worker, generation);
        invalidateLocally(worker.environmentId());
    }

    @Override
    public void destroy() throws Exception {
        invalidations.close();
        if (redis instanceof DisposableBean disposable) {
            disposable.destroy();
        }
    }
}
