package dev.triggerapi.taskmeta;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.triggerapi.redis.LuaScript;
import dev.triggerapi.redis.RedisFailOpen;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * {@link TaskMetadataCache} on Redis hashes. Each read is one {@code HGET}; writes are the Lua scripts under
 * {@code src/main/resources/redis/}, read once at startup and sent with {@code EVALSHA}, falling back to
 * {@code EVAL} when the server does not know the script (a restarted Redis has an empty script cache).
 *
 * <p>The client is Jedis with a connection pool: a command is written and its reply read on the caller's
 * thread, so the warm trigger path costs one loopback round trip and no hand-off to and from an event-loop
 * thread (measured: p50 ≈ 20 µs against ≈ 70–100 µs for Lettuce under the same load, see BENCHMARKS.md).
 *
 * <p>Fails open: every Redis error is counted ({@code task_meta_cache.errors{operation}}), logged at most every
 * ten seconds, and reads as a miss. After a connection failure the idle pooled connections are dropped (they
 * point at a dead server) and Redis is left alone for {@code failureBackoff}, so an unreachable Redis costs at
 * most one timed-out call per backoff period instead of one per trigger. The one exception is the write of an
 * environment's current view: failing it open would leave the previous current worker in Redis, so it is tried
 * regardless, and when it fails {@link CurrentViewRepair} drops the stale hash.
 */
final class RedisTaskMetadataCache implements TaskMetadataCache, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(RedisTaskMetadataCache.class);
    static final String OWNER_FIELD = "__owner_worker_id";
    static final String GENERATION_FIELD = "__generation";
    /** Retries of a lost current-view write's repair: soon (most failures are one timeout), then every 5 s at most. */
    private static final Duration REPAIR_FIRST_RETRY = Duration.ofMillis(200);
    private static final Duration REPAIR_MAX_RETRY = Duration.ofSeconds(5);

    private final RedisClient redis;
    private final TaskMetadataCodec codec;
    private final String prefix;
    private final String envTtl;
    private final String workerTtl;
    private final LuaScript replaceWorker = LuaScript.load("task-meta-replace-worker.lua");
    private final LuaScript replaceCurrent = LuaScript.load("task-meta-replace-current.lua");
    private final LuaScript backfillField = LuaScript.load("task-meta-backfill-field.lua");
    private final LuaScript backfillCurrent = LuaScript.load("task-meta-backfill-current.lua");
    private final LuaScript dropUnconfirmedCurrent = LuaScript.load("task-meta-drop-unconfirmed-current.lua");
    private final LuaScript dropStaleCurrent = LuaScript.load("task-meta-drop-stale-current.lua");
    private final Counter getErrors;
    private final Counter backfillErrors;
    private final Counter replaceErrors;
    private final Counter decodeErrors;
    private final RedisFailOpen failOpen;
    private final CurrentViewRepair repair;

    RedisTaskMetadataCache(RedisClient redis, TaskMetaCacheProperties properties, TaskMetadataCodec codec,
                           MeterRegistry meters, Clock clock) {
        this.redis = redis;
        this.codec = codec;
        this.prefix = properties.keyPrefix();
        this.envTtl = Long.toString(properties.currentEnvTtlSeconds());
        this.workerTtl = Long.toString(properties.byWorkerTtlSeconds());
        this.failOpen = new RedisFailOpen(clock, properties.redis().failureBackoff(), log);
        this.getErrors = errorCounter(meters, "get");
        this.backfillErrors = errorCounter(meters, "backfill");
        this.replaceErrors = errorCounter(meters, "replace");
        this.decodeErrors = errorCounter(meters, "decode");
        this.repair = new CurrentViewRepair(this::dropStaleCurrent, REPAIR_FIRST_RETRY, REPAIR_MAX_RETRY);
        Gauge.builder("task_meta_cache.current_repairs", repair, CurrentViewRepair::size)
                .description("Environments whose current-worker view failed to reach Redis and is being retried; "
                        + "this instance resolves them on the writer meanwhile").register(meters);
    }

    /** Builds the cache with its own connection pool. Connects lazily: never touches Redis here. */
    static RedisTaskMetadataCache connect(TaskMetaCacheProperties properties, TaskMetadataCodec codec,
                                          MeterRegistry meters, Clock clock) {
        TaskMetaCacheProperties.Redis settings = properties.redis();
        RedisClient redis = RedisClient.builder().hostAndPort(settings.host(), settings.port())
                .clientConfig(clientConfig(settings, "trigger-api-task-meta")).poolConfig(pool(settings)).build();
        return new RedisTaskMetadataCache(redis, properties, codec, meters, clock);
    }

    /** The connection settings of the cache's Redis, under the given client name. */
    static DefaultJedisClientConfig clientConfig(TaskMetaCacheProperties.Redis settings, String clientName) {
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) settings.connectTimeout().toMillis())
                .socketTimeoutMillis((int) settings.commandTimeout().toMillis())
                .database(settings.database())
                .clientName(clientName);
        if (settings.password() != null && !settings.password().isEmpty()) {
            client.password(settings.password());
        }
        return client.build();
    }

    private static ConnectionPoolConfig pool(TaskMetaCacheProperties.Redis settings) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(settings.poolSize());
        pool.setMaxIdle(settings.poolSize());
        pool.setMinIdle(0);
        // A pool with no free connection is a miss after the command timeout, never an unbounded wait.
        pool.setMaxWait(settings.commandTimeout());
        pool.setJmxEnabled(false);
        return pool;
    }

    @Override
    public Optional<TaskMetadata> getCurrent(String environmentId, String slug) {
        if (repair.pending(environmentId)) {
            // Redis may still hold the previous current worker: resolve on the writer until the repair lands.
            return Optional.empty();
        }
        return get(envKey(environmentId), slug);
    }

    @Override
    public Optional<TaskMetadata> getByWorker(String workerId, String slug) {
        return get(workerKey(workerId), slug);
    }

    private Optional<TaskMetadata> get(String key, String slug) {
        if (TaskMetadataCache.isReservedSlug(slug)) {
            return Optional.empty();
        }
        return decoded(key, hget(key, slug), codec::decode);
    }

    @Override
    public Optional<String> getVersionWorker(String environmentId, String version) {
        return Optional.ofNullable(hget(versionsKey(environmentId), version));
    }

    @Override
    public Optional<Map<String, String>> getWorkerQueues(String workerId) {
        String key = workerKey(workerId);
        return decoded(key, hget(key, QUEUES_FIELD), codec::decodeQueues);
    }

    private String hget(String key, String field) {
        return call(getErrors, "read", false, () -> redis.hget(key, field));
    }

    private <T> Optional<T> decoded(String key, String raw, Function<String, Optional<T>> decoder) {
        if (raw == null) {
            return Optional.empty();
        }
        Optional<T> decoded = decoder.apply(raw);
        if (decoded.isEmpty()) {
            decodeErrors.increment();
            log.warn("Undecodable value in {} ({} characters); treating it as a miss", key, raw.length());
        }
        return decoded;
    }

    @Override
    public CurrentBackfill backfillCurrent(String environmentId, String workerId, String slug, TaskMetadata metadata) {
        if (repair.pending(environmentId)) {
            return CurrentBackfill.SKIPPED;
        }
        Object result = run(backfillCurrent, backfillErrors, "back-fill",
                List.of(envKey(environmentId), workerKey(workerId)),
                List.of(slug, codec.encode(metadata), OWNER_FIELD, workerId, envTtl, workerTtl, invalidationChannel()));
        if (!(result instanceof Long written)) {
            return CurrentBackfill.SKIPPED;
        }
        return written == 2 ? CurrentBackfill.CREATED : written == 1 ? CurrentBackfill.ADDED : CurrentBackfill.REFUSED;
    }

    @Override
    public void dropUnconfirmedCurrent(String environmentId, String workerId) {
        run(dropUnconfirmedCurrent, backfillErrors, "back-fill", List.of(envKey(environmentId)),
                List.of(OWNER_FIELD, workerId, GENERATION_FIELD, invalidationChannel()));
    }

    @Override
    public void backfillByWorker(String workerId, String slug, TaskMetadata metadata) {
        run(backfillField, backfillErrors, "back-fill", List.of(workerKey(workerId)),
                List.of(slug, codec.encode(metadata), workerTtl));
    }

    @Override
    public void backfillVersionWorker(String environmentId, String version, String workerId) {
        run(backfillField, backfillErrors, "back-fill", List.of(versionsKey(environmentId)),
                List.of(version, workerId, workerTtl));
    }

    @Override
    public void backfillWorkerQueues(String workerId, Map<String, String> queueIds) {
        run(backfillField, backfillErrors, "back-fill", List.of(workerKey(workerId)),
                List.of(QUEUES_FIELD, codec.encodeQueues(queueIds), workerTtl));
    }

    @Override
    public void replaceWorker(WorkerVersion worker) {
        List<String> args = new ArrayList<>(5 + 2 * worker.tasks().size());
        args.add(workerTtl);
        args.add(worker.version());
        args.add(worker.workerId());
        args.add(QUEUES_FIELD);
        args.add(codec.encodeQueues(worker.queueIds()));
        addTasks(args, worker.tasks());
        run(replaceWorker, replaceErrors, "replace",
                List.of(workerKey(worker.workerId()), versionsKey(worker.environmentId())), args);
    }

    /**
     * Writes the current view; when the write does not reach Redis, {@link CurrentViewRepair} drops the hash it
     * left behind and keeps this instance off it meanwhile. Tried even while the fail-open back-off skips other
     * commands: a skipped write would leave the previous worker current in Redis.
     */
    @Override
    public void replaceCurrent(WorkerVersion worker, long generation) {
        if (!writeCurrent(worker, generation)) {
            repair.failed(worker.environmentId(), generation);
        }
    }

    /** True when Redis has this view or a newer generation's, false when the write failed. */
    private boolean writeCurrent(WorkerVersion worker, long generation) {
        List<String> args = new ArrayList<>(10 + 2 * worker.tasks().size());
        args.add(envTtl);
        args.add(workerTtl);
        args.add(OWNER_FIELD);
        args.add(worker.workerId());
        args.add(GENERATION_FIELD);
        args.add(Long.toString(generation));
        args.add(worker.version());
        args.add(QUEUES_FIELD);
        args.add(codec.encodeQueues(worker.queueIds()));
        args.add(invalidationChannel());
        addTasks(args, worker.tasks());
        List<String> keys = List.of(envKey(worker.environmentId()), workerKey(worker.workerId()),
                versionsKey(worker.environmentId()));
        return call(replaceErrors, "replace", true, () -> evalScript(replaceCurrent, keys, args)) instanceof Long;
    }

    /** One repair attempt: true when the stale hash is gone (or a write of this generation or newer is in it). */
    private boolean dropStaleCurrent(String environmentId, long generation) {
        List<String> keys = List.of(envKey(environmentId));
        List<String> args = List.of(GENERATION_FIELD, Long.toString(generation), invalidationChannel());
        return call(replaceErrors, "replace", true, () -> evalScript(dropStaleCurrent, keys, args)) instanceof Long;
    }

    private void addTasks(List<String> args, Map<String, TaskMetadata> tasks) {
        tasks.forEach((slug, metadata) -> {
            args.add(slug);
            args.add(codec.encode(metadata));
        });
    }

    private Object run(LuaScript script, Counter errors, String operation, List<String> keys, List<String> args) {
        return call(errors, operation, false, () -> evalScript(script, keys, args));
    }

    private Object evalScript(LuaScript script, List<String> keys, List<String> args) {
        try {
            return redis.evalsha(script.sha1(), keys, args);
        } catch (JedisNoScriptException e) {
            return redis.eval(script.text(), keys, args);
        }
    }

    /**
     * Runs one Redis call, failing open: any error (or, unless {@code evenWhileBackingOff}, a recent connection
     * failure) yields null.
     */
    private <T> T call(Counter errors, String operation, boolean evenWhileBackingOff, Supplier<T> command) {
        if (!evenWhileBackingOff && failOpen.backingOff()) {
            errors.increment();
            return null;
        }
        try {
            T result = command.get();
            if (evenWhileBackingOff) {
                failOpen.recovered();
            }
            return result;
        } catch (JedisConnectionException e) {
            // The server is gone or unreachable: pooled connections are dead too, and retrying on every
            // trigger would add a timeout to each of them.
            failOpen.backOff();
            redis.getPool().clear();
            failed(errors, operation, e);
        } catch (RuntimeException e) {
            failed(errors, operation, e);
        }
        return null;
    }

    String envKey(String environmentId) {
        return prefix + "env:" + environmentId;
    }

    String workerKey(String workerId) {
        return prefix + "by-worker:" + workerId;
    }

    /** The channel on which every change of an environment hash publishes that hash's key. */
    String invalidationChannel() {
        return prefix + "invalidations";
    }

    String versionsKey(String environmentId) {
        return prefix + "versions:" + environmentId;
    }

    private void failed(Counter counter, String operation, RuntimeException e) {
        counter.increment();
        failOpen.log("Task-metadata cache {} failed, continuing without the cache: {}", operation, e.toString());
    }

    private static Counter errorCounter(MeterRegistry meters, String operation) {
        return Counter.builder("task_meta_cache.errors")
                .description("Task-metadata cache operations that failed or were skipped while Redis was down; "
                        + "each one fell back to Postgres (fail open)")
                .tag("operation", operation).register(meters);
    }

    @Override
    public void destroy() {
        repair.close();
        redis.close();
    }
}
