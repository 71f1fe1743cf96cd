package dev.triggerapi.taskmeta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.HashOperations;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * {@link TaskMetadataCache} on Redis hashes. Reads are one {@code HGET}; writes are the Lua scripts under
 * {@code src/main/resources/redis/}, read once at startup and sent with {@code EVALSHA}, falling back to
 * {@code EVAL} when the server does not know the script (Spring Data Redis' script executor does the
 * fallback, so a Redis restart that flushed the script cache heals itself).
 *
 * <p>Fails open: every Redis error is counted ({@code task_meta_cache.errors{operation}}), logged at most every
 * ten seconds, and reads as a miss. While the connection is down, commands are rejected at once instead of
 * queueing, so an outage costs a trigger no more than the Postgres read it would do anyway.
 */
final class RedisTaskMetadataCache implements TaskMetadataCache, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(RedisTaskMetadataCache.class);
    static final String OWNER_FIELD = "__owner_worker_id";
    static final String GENERATION_FIELD = "__generation";
    private static final long WARN_EVERY_MS = 10_000;

    private final LettuceConnectionFactory connections;
    private final ClientResources resources;
    private final HashOperations<String, String, String> hashes;
    private final StringRedisTemplate redis;
    private final TaskMetadataCodec codec;
    private final String prefix;
    private final String envTtl;
    private final String workerTtl;
    private final RedisScript<Long> replaceHash;
    private final RedisScript<Long> replaceCurrent;
    private final RedisScript<Long> backfillWorker;
    private final RedisScript<Long> backfillCurrent;
    private final Counter getErrors;
    private final Counter backfillErrors;
    private final Counter replaceErrors;
    private final Counter decodeErrors;
    private final Clock clock;
    private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE / 2);

    private RedisTaskMetadataCache(LettuceConnectionFactory connections, ClientResources resources,
                                   TaskMetaCacheProperties properties, TaskMetadataCodec codec, MeterRegistry meters,
                                   Clock clock) {
        this.connections = connections;
        this.resources = resources;
        this.redis = new StringRedisTemplate(connections);
        this.hashes = redis.opsForHash();
        this.codec = codec;
        this.prefix = properties.keyPrefix();
        this.envTtl = Long.toString(properties.currentEnvTtlSeconds());
        this.workerTtl = Long.toString(properties.byWorkerTtlSeconds());
        this.replaceHash = script("task-meta-replace-hash.lua");
        this.replaceCurrent = script("task-meta-replace-current.lua");
        this.backfillWorker = script("task-meta-backfill-worker.lua");
        this.backfillCurrent = script("task-meta-backfill-current.lua");
        this.getErrors = errorCounter(meters, "get");
        this.backfillErrors = errorCounter(meters, "backfill");
        this.replaceErrors = errorCounter(meters, "replace");
        this.decodeErrors = errorCounter(meters, "decode");
        this.clock = clock;
    }

    /** Builds the cache with its own lazily connecting Lettuce connection. Never touches Redis here. */
    static RedisTaskMetadataCache connect(TaskMetaCacheProperties properties, TaskMetadataCodec codec,
                                          MeterRegistry meters, Clock clock) {
        TaskMetaCacheProperties.Redis settings = properties.redis();
        // Reconnect quickly after an outage: Lettuce's default backoff grows to 30 s, which would keep the cache
        // cold (and Postgres hot) long after Redis is back.
        ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        ClientOptions options = ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(settings.connectTimeout()).build())
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .build();
        LettuceClientConfiguration client = LettuceClientConfiguration.builder()
                .clientResources(resources).clientOptions(options).commandTimeout(settings.commandTimeout()).build();
        RedisStandaloneConfiguration server = new RedisStandaloneConfiguration(settings.host(), settings.port());
        server.setDatabase(settings.database());
        if (settings.password() != null && !settings.password().isEmpty()) {
            server.setPassword(settings.password());
        }
        LettuceConnectionFactory factory = new LettuceConnectionFactory(server, client);
        factory.setValidateConnection(false);
        factory.afterPropertiesSet();
        factory.start();
        return new RedisTaskMetadataCache(factory, resources, properties, codec, meters, clock);
    }

    @Override
    public Optional<TaskMetadata> getCurrent(String environmentId, String slug) {
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
        String raw;
        try {
            raw = hashes.get(key, slug);
        } catch (RuntimeException e) {
            failed(getErrors, "read", e);
            return Optional.empty();
        }
        if (raw == null) {
            return Optional.empty();
        }
        Optional<TaskMetadata> decoded = codec.decode(raw);
        if (decoded.isEmpty()) {
            decodeErrors.increment();
            log.warn("Undecodable task metadata in {} for a slug of {} characters; treating it as a miss",
                    key, slug.length());
        }
        return decoded;
    }

    @Override
    public void backfillCurrent(String environmentId, String workerId, String slug, TaskMetadata metadata) {
        run(backfillCurrent, backfillErrors, "back-fill", List.of(envKey(environmentId), workerKey(workerId)),
                slug, codec.encode(metadata), OWNER_FIELD, workerId, envTtl, workerTtl);
    }

    @Override
    public void backfillByWorker(String workerId, String slug, TaskMetadata metadata) {
        run(backfillWorker, backfillErrors, "back-fill", List.of(workerKey(workerId)),
                slug, codec.encode(metadata), workerTtl);
    }

    @Override
    public void replaceWorker(String workerId, Map<String, TaskMetadata> tasks) {
        List<String> args = new ArrayList<>(1 + 2 * tasks.size());
        args.add(workerTtl);
        addTasks(args, tasks);
        run(replaceHash, replaceErrors, "replace", List.of(workerKey(workerId)), args.toArray());
    }

    @Override
    public void replaceCurrent(String environmentId, String workerId, long generation, Map<String, TaskMetadata> tasks) {
        List<String> args = new ArrayList<>(6 + 2 * tasks.size());
        args.add(envTtl);
        args.add(workerTtl);
        args.add(OWNER_FIELD);
        args.add(workerId);
        args.add(GENERATION_FIELD);
        args.add(Long.toString(generation));
        addTasks(args, tasks);
        run(replaceCurrent, replaceErrors, "replace", List.of(envKey(environmentId), workerKey(workerId)),
                args.toArray());
    }

    private void addTasks(List<String> args, Map<String, TaskMetadata> tasks) {
        tasks.forEach((slug, metadata) -> {
            args.add(slug);
            args.add(codec.encode(metadata));
        });
    }

    private void run(RedisScript<Long> script, Counter errors, String operation, List<String> keys, Object... args) {
        try {
            redis.execute(script, keys, args);
        } catch (RuntimeException e) {
            failed(errors, operation, e);
        }
    }

    String envKey(String environmentId) {
        return prefix + "env:" + environmentId;
    }

    String workerKey(String workerId) {
        return prefix + "by-worker:" + workerId;
    }

    private void failed(Counter counter, String operation, RuntimeException e) {
        counter.increment();
        long now = clock.millis();
        long last = lastWarning.get();
        if (now - last >= WARN_EVERY_MS && lastWarning.compareAndSet(last, now)) {
            log.warn("Task-metadata cache {} failed, continuing without the cache: {}", operation, e.toString());
        } else {
            log.debug("Task-metadata cache {} failed: {}", operation, e.toString());
        }
    }

    private static Counter errorCounter(MeterRegistry meters, String operation) {
        return Counter.builder("task_meta_cache.errors")
                .description("Task-metadata cache operations that failed and fell back to Postgres (fail open)")
                .tag("operation", operation).register(meters);
    }

    private static RedisScript<Long> script(String name) {
        try {
            String text = new ClassPathResource("redis/" + name).getContentAsString(StandardCharsets.UTF_8);
            return new DefaultRedisScript<>(text, Long.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Missing Lua script redis/" + name, e);
        }
    }

    @Override
    public void destroy() {
        connections.destroy();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
