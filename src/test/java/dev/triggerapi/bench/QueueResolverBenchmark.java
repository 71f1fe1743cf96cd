package dev.triggerapi.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.deployment.DeploymentService;
import dev.triggerapi.deployment.TriggerSource;
import dev.triggerapi.deployment.WorkerRegistration;
import dev.triggerapi.deployment.WorkerTaskLookup;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.queue.QueueRequest;
import dev.triggerapi.queue.QueueResolver;
import dev.triggerapi.support.WriterConnections;
import dev.triggerapi.taskmeta.TaskMetadataCache;
import dev.triggerapi.taskmeta.TaskMetadataReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.node.StringNode;

/**
 * Benchmark (not a test) of {@link QueueResolver} against the real embedded cluster: the request
 * {@code {taskId, queue: "bench-queue", ttl: "5m"}}, 500 sequential calls and 2,000 calls at concurrency 50, for
 * three scenarios: no cache (every call reads the database), cold cache (every call misses, reads the database and
 * back-fills with the CAS script) and warm cache (one HGET); then the same request locked to version 1 with the
 * worker's own queue as override ({@code {taskId, lockToVersion: "1", queue: "bench-task-queue", ttl: "5m"}}),
 * cold (the version's cache entries removed) and warm. Prints a table with the writer connections per call
 * (counted on the routing proxy's writer pool; the run sweeper is off so nothing else uses the writer), the
 * calling thread's CPU time and heap allocation per sequential call (allocation does not depend on the machine's
 * load, so it compares two builds even on a busy machine) and the
 * warm-vs-no-cache speedup.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.triggerapi.bench.QueueResolverBenchmark</pre>
 */
public final class QueueResolverBenchmark {

    // Overridable (-Dbench.sequential=... etc.) for a shorter run on a busy machine.
    private static final int SEQUENTIAL = Integer.getInteger("bench.sequential", 500);
    private static final int CONCURRENT = Integer.getInteger("bench.concurrent", 2_000);
    private static final int CONCURRENCY = 50;
    private static final int WARMUP_ROUNDS = Integer.getInteger("bench.warmupRounds", 4);
    /**
     * The calling thread's CPU time: in sequential mode every JDBC round trip and every Java step of a resolve runs
     * on it, so CPU per call compares two builds on a busy machine where wall-clock percentiles mostly measure the
     * scheduler.
     */
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private QueueResolverBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int code = 0;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TriggerApiApplication.class)
                .web(WebApplicationType.NONE)
                .run("--trigger-api.local-cluster.seed-demo=false", "--logging.level.root=WARN",
                        "--trigger-api.run-engine.sweeper-enabled=false",
                        // Generous Redis timeouts: on a loaded machine the defaults turn slow answers into misses.
                        "--spring.data.redis.timeout=10s", "--spring.data.redis.connect-timeout=10s",
                        "--trigger-api.task-meta-cache.redis.command-timeout=5s",
                        "--logging.level.dev.triggerapi=WARN")) {
            new QueueResolverBenchmark().run(context);
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code); // exec:java would otherwise wait for the cluster's non-daemon threads
    }

    private void run(ConfigurableApplicationContext context) throws Exception {
        EnvironmentProvisioning provisioning = context.getBean(EnvironmentProvisioning.class);
        DeploymentService deployments = context.getBean(DeploymentService.class);
        JdbcClient jdbc = context.getBean(JdbcClient.class);
        StringRedisTemplate redis = context.getBean(StringRedisTemplate.class);
        javax.sql.DataSource dataSource = context.getBean(javax.sql.DataSource.class);
        ReplicaFirstReader reader = context.getBean(ReplicaFirstReader.class);
        QueueResolver cached = context.getBean(QueueResolver.class);
        QueueResolver uncached = new QueueResolver(new TaskMetadataReader(TaskMetadataCache.disabled()),
                context.getBean(WorkerTaskLookup.class), reader, new SimpleMeterRegistry());

        int tasks = SEQUENTIAL + CONCURRENT;
        AuthenticatedEnvironment warmup = environment(provisioning, deployments, jdbc, reader, tasks);
        AuthenticatedEnvironment measured = environment(provisioning, deployments, jdbc, reader, tasks);

        // JIT warm-up of every path (replica read, CAS back-fill, HGET) on an environment we do not measure.
        for (int round = 0; round < WARMUP_ROUNDS; round++) {
            clear(redis, jdbc, warmup);
            scenario(uncached, warmup, false);
            scenario(cached, warmup, false);
            scenario(cached, warmup, false);
            clear(redis, jdbc, warmup);
            scenario(cached, warmup, true);
            scenario(cached, warmup, true);
        }

        String loadBefore = loadAverage();
        List<Row> rows = new ArrayList<>();
        rows.addAll(scenario("no cache", uncached, measured, false, dataSource));
        clear(redis, jdbc, measured);
        rows.addAll(scenario("cold cache", cached, measured, false, dataSource));
        // With the near cache on, "warm cache" is each slug's first Redis hit (then kept in memory) and "near hit"
        // the same calls again, answered from memory.
        rows.addAll(scenario("warm cache", cached, measured, false, dataSource));
        rows.addAll(scenario("near hit", cached, measured, false, dataSource));
        // Right after, on the same Redis and the same hash: what Redis itself serves to 50 unpipelined clients.
        String redisBenchmark = redisBenchmark(context.getEnvironment().getRequiredProperty("spring.data.redis.host"),
                context.getEnvironment().getRequiredProperty("spring.data.redis.port"),
                "task-meta:env:" + measured.id(), slug(SEQUENTIAL));
        clear(redis, jdbc, measured);
        rows.addAll(scenario("locked cold", cached, measured, true, dataSource));
        rows.addAll(scenario("locked warm", cached, measured, true, dataSource));
        rows.addAll(scenario("locked near", cached, measured, true, dataSource));
        print(rows);
        printRedisBenchmark(rows, redisBenchmark);
        System.out.println("load average (1/5/15 min) before: " + loadBefore + ", after: " + loadAverage()
                + ", cores: " + Runtime.getRuntime().availableProcessors());
    }

    /** The machine's load: numbers taken on a busy machine are not comparable with numbers from a quiet one. */
    private static String loadAverage() {
        try {
            String[] parts = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static AuthenticatedEnvironment environment(EnvironmentProvisioning provisioning,
                                                        DeploymentService deployments, JdbcClient jdbc,
                                                        ReplicaFirstReader reader, int tasks) {
        AuthenticatedEnvironment env = provisioning.createEnvironment("bench-" + Ids.newId(), "bench",
                EnvironmentType.DEVELOPMENT).environment();
        List<WorkerRegistration.TaskDeclaration> declared = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            declared.add(new WorkerRegistration.TaskDeclaration(slug(i), StringNode.valueOf("10m"),
                    TriggerSource.STANDARD, new WorkerRegistration.QueueDeclaration("bench-task-queue", 50)));
        }
        deployments.register(env, new WorkerRegistration("1", declared));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (reader.onReplica(() -> jdbc.sql("SELECT count(*) FROM background_worker_tasks WHERE runtime_environment_id = ?")
                .param(env.id()).query(Long.class).single()) < tasks) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replica did not catch up");
            }
            Thread.onSpinWait();
        }
        return env;
    }

    /** Removes every key of the environment and its worker so the next calls are cold. */
    private static void clear(StringRedisTemplate redis, JdbcClient jdbc, AuthenticatedEnvironment env) {
        String worker = jdbc.sql("SELECT id FROM background_workers WHERE runtime_environment_id = ?")
                .param(env.id()).query(String.class).single();
        redis.delete(List.of("task-meta:env:" + env.id(), "task-meta:by-worker:" + worker,
                "task-meta:versions:" + env.id()));
    }

    private static String slug(int i) {
        return String.format(Locale.ROOT, "bench-%04d", i);
    }

    private static QueueRequest request(int i, boolean locked) {
        return locked
                ? new QueueRequest(slug(i), "bench-task-queue", "1", "5m")
                : new QueueRequest(slug(i), "bench-queue", null, "5m");
    }

    private static void scenario(QueueResolver resolver, AuthenticatedEnvironment env, boolean locked) throws Exception {
        scenario("warm-up", resolver, env, locked, null);
    }

    /** Sequential calls use slugs 0..499, concurrent ones 500..2499: in a cold run every call is a first call. */
    private static List<Row> scenario(String name, QueueResolver resolver, AuthenticatedEnvironment env,
                                      boolean locked, javax.sql.DataSource writerCounted) throws Exception {
        if (writerCounted == null) {
            return measure(name, resolver, env, locked, null);
        }
        try (WriterConnections writer = WriterConnections.countAllThreads(writerCounted)) {
            return measure(name, resolver, env, locked, writer);
        }
    }

    private static List<Row> measure(String name, QueueResolver resolver, AuthenticatedEnvironment env,
                                     boolean locked, WriterConnections writer) throws Exception {
        long[] sequential = new long[SEQUENTIAL];
        long started = System.nanoTime();
        long cpuStarted = THREADS.getCurrentThreadCpuTime();
        long allocatedStarted = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < SEQUENTIAL; i++) {
            long t0 = System.nanoTime();
            resolver.resolve(env, request(i, locked));
            sequential[i] = System.nanoTime() - t0;
        }
        long sequentialCpu = THREADS.getCurrentThreadCpuTime() - cpuStarted;
        long sequentialAllocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedStarted;
        long sequentialWall = System.nanoTime() - started;
        int sequentialWriter = writer == null ? 0 : writer.taken();

        long[] concurrent = new long[CONCURRENT];
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        List<Future<?>> futures = new ArrayList<>(CONCURRENT);
        started = System.nanoTime();
        for (int i = 0; i < CONCURRENT; i++) {
            int index = i;
            futures.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                resolver.resolve(env, request(SEQUENTIAL + index, locked));
                concurrent[index] = System.nanoTime() - t0;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        long concurrentWall = System.nanoTime() - started;
        pool.shutdown();
        int concurrentWriter = writer == null ? 0 : writer.taken() - sequentialWriter;
        return List.of(new Row(name, "sequential", sequential, sequentialWall, sequentialWriter, sequentialCpu,
                        sequentialAllocated),
                new Row(name, "concurrency " + CONCURRENCY, concurrent, concurrentWall, concurrentWriter, -1, -1));
    }

    private static void print(List<Row> rows) {
        System.out.println();
        System.out.println("QueueResolver benchmark, request {taskId, queue: \"bench-queue\", ttl: \"5m\"}, times in µs");
        System.out.printf(Locale.ROOT, "%-11s %-15s %6s %9s %9s %9s %9s %9s %10s %12s %9s %10s%n",
                "scenario", "mode", "n", "mean", "p50", "p95", "p99", "max", "ops/s", "writer/call", "cpu/call",
                "bytes/call");
        for (Row row : rows) {
            System.out.printf(Locale.ROOT, "%-11s %-15s %6d %9.1f %9.1f %9.1f %9.1f %9.1f %10.0f %12.3f %9s %10s%n",
                    row.scenario, row.mode, row.latencies.length, row.mean(), row.percentile(50), row.percentile(95),
                    row.percentile(99), row.max(), row.opsPerSecond(), (double) row.writerConnections / row.latencies.length,
                    row.cpuNanos < 0 ? "-" : String.format(Locale.ROOT, "%.1f", row.cpuNanos / 1_000.0 / row.latencies.length),
                    row.allocatedBytes < 0 ? "-" : String.valueOf(row.allocatedBytes / row.latencies.length));
        }
        for (String mode : List.of("sequential", "concurrency " + CONCURRENCY)) {
            Row none = find(rows, "no cache", mode);
            Row warm = find(rows, "warm cache", mode);
            System.out.printf(Locale.ROOT, "warm vs no cache, %s: p50 %.1fx (%.0f µs -> %.0f µs), throughput %.1fx%n",
                    mode, none.percentile(50) / warm.percentile(50), none.percentile(50), warm.percentile(50),
                    warm.opsPerSecond() / none.opsPerSecond());
            Row near = find(rows, "near hit", mode);
            System.out.printf(Locale.ROOT, "near hit vs warm (Redis), %s: p50 %.1f µs vs %.1f µs, throughput %.1fx%n",
                    mode, near.percentile(50), warm.percentile(50), near.opsPerSecond() / warm.opsPerSecond());
        }
    }

    /**
     * {@code redis-benchmark} (Debian's {@code redis-tools}) sending {@code HGET key field} from as many clients as
     * the concurrent scenarios use, unpipelined, on the service's Redis: its "requests per second" line, or why there
     * is none.
     */
    private static String redisBenchmark(String host, String port, String key, String field) {
        List<String> command = List.of("redis-benchmark", "-h", host, "-p", port, "-c", Integer.toString(CONCURRENCY),
                "-n", "100000", "-q", "HGET", key, field);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            process.waitFor();
            return output.lines().filter(l -> l.contains("requests per second")).reduce((a, b) -> b)
                    .orElse("no result: " + output.strip());
        } catch (java.io.IOException e) {
            return "not run (" + e.getMessage() + "): install it with apt-get install redis-tools";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static void printRedisBenchmark(List<Row> rows, String redisBenchmark) {
        System.out.println("redis-benchmark, HGET on the measured environment hash, " + CONCURRENCY
                + " clients, right after the near-hit scenario: " + redisBenchmark.strip());
        java.util.regex.Matcher rps = java.util.regex.Pattern.compile("([0-9.]+) requests per second").matcher(redisBenchmark);
        if (!rps.find()) {
            return;
        }
        double hgetPerSecond = Double.parseDouble(rps.group(1));
        String mode = "concurrency " + CONCURRENCY;
        Row warm = find(rows, "warm cache", mode);
        Row near = find(rows, "near hit", mode);
        System.out.printf(Locale.ROOT, "%s vs redis-benchmark HGET (%.0f/s): warm cache (one Redis HGET each) %.0f/s = %.0f %%,"
                        + " near hit %.0f/s = %.0f %%%n", mode, hgetPerSecond, warm.opsPerSecond(),
                100 * warm.opsPerSecond() / hgetPerSecond, near.opsPerSecond(), 100 * near.opsPerSecond() / hgetPerSecond);
    }

    private static Row find(List<Row> rows, String scenario, String mode) {
        return rows.stream().filter(r -> r.scenario.equals(scenario) && r.mode.equals(mode)).findFirst().orElseThrow();
    }

    /**
     * {@code cpuNanos}, {@code allocatedBytes}: CPU time and heap allocation of the calling thread over the whole
     * sequential loop; -1 where not measured (concurrent mode).
     */
    private record Row(String scenario, String mode, long[] latencies, long wallNanos, int writerConnections,
                       long cpuNanos, long allocatedBytes) {

        Row {
            latencies = latencies.clone();
            Arrays.sort(latencies);
        }

        double mean() {
            return Arrays.stream(latencies).average().orElse(0) / 1_000.0;
        }

        double percentile(double p) {
            int index = (int) Math.ceil(p / 100.0 * latencies.length) - 1;
            return latencies[Math.max(0, Math.min(index, latencies.length - 1))] / 1_000.0;
        }

        double max() {
            return latencies[latencies.length - 1] / 1_000.0;
        }

        double opsPerSecond() {
            return latencies.length / (wallNanos / 1e9);
        }
    }
}
