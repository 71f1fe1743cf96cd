package dev.triggerapi.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.bench.LoadStats.Kind;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.replication.RunReplicationProperties;
import dev.triggerapi.replication.RunReplicator;
import io.micrometer.core.instrument.MeterRegistry;
import org.HdrHistogram.Histogram;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Load test (not a test of the build: a separate command that prints a report and exits non-zero when an
 * invariant breaks). Starts the service on a real port with the embedded cluster — PostgreSQL primary plus a
 * streaming replica applying commits {@code --replica-delay} late, Redis, ClickHouse with runs replication on —
 * provisions a PRODUCTION environment, registers worker versions 1 and 2 over HTTP and promotes 2. Then
 * {@code --clients} closed-loop HTTP clients trigger for {@code --duration} a mix of plain, idempotent (a small
 * pool of keys, repeated), delayed and version-locked runs, while {@code --runners} runner threads dequeue,
 * start and complete attempts with a worker token.
 *
 * <p>Afterwards it checks, and prints PASS/FAIL for: no 5xx, no client error on a valid request (a 429 of the
 * trigger rate limit is counted, not failed: use {@code --trigger-api.rate-limit.trigger.enabled=false} to load
 * past it), every 200
 * names one persisted run with its first snapshot, one run per (task, idempotency key), version locks as
 * requested, no run delivered twice to runners, no limited queue over its concurrency limit, and ClickHouse's final state equal to PostgreSQL's once
 * replication caught up. Latency figures are reported, never judged (the exit code only reflects invariants).
 *
 * <pre>
 * bash src/test/resources/bench/load-test.sh [--clients=50] [--duration=60s] [--runners=8] [--replica-delay=100ms]
 * </pre>
 *
 * Options ({@code --name=value}): {@code clients} (50), {@code duration} (60s), {@code warmup} (30s: same load
 * first, verified but not in the latency report; 0s for none), {@code runners} (8),
 * {@code runner-batch} (10, dequeue maxRuns), {@code replica-delay} (100ms), {@code port} (3098), {@code timeout}
 * (10s, per request), {@code keys} (10 idempotency keys per task), {@code drain} (60s: how long runners keep
 * working after the clients stop), {@code replication-wait} (5m), {@code settle} (3m: at most this long after the
 * warm-up the clients pause until the stream has acknowledged the warm-up's changes; 0s for none),
 * {@code replication} ({@code in-process}: the service
 * streams runs to ClickHouse itself; {@code process}: the service runs with {@code RUN_REPLICATION_STREAM_ENABLED=false}
 * and the stream runs in a process of its own, {@link StreamProcess}), {@code cpu-groups} ({@code false}; {@code true}:
 * each server gets a CPU control group of its own with equal shares, as containers on one host do, {@link CpuGroups}).
 * Any other {@code --x=y} is a Spring property.
 */
public final class LoadTest {

    private static final List<String> TASKS = List.of("load-a", "load-b", "load-c");
    private static final List<String> VERSIONS = List.of("1", "2");
    /** Mix of trigger kinds, in percent. */
    private static final Map<Kind, Integer> MIX = Map.of(Kind.PLAIN, 50, Kind.IDEMPOTENT, 20, Kind.DELAYED, 15,
            Kind.LOCKED, 15);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Settings settings;
    /** Warm-up and drain answers: not in the latency report, but counted by the invariants like everything else. */
    private final LoadStats warmupStats = new LoadStats();
    private final LoadStats measuredStats = new LoadStats();
    private final LoadStats drainStats = new LoadStats();
    private final List<LoadStats> phases = List.of(warmupStats, measuredStats, drainStats);
    private volatile LoadStats stats = warmupStats;
    private final ConcurrentLinkedQueue<Triggered> triggered = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    private final AtomicLong completedByRunners = new AtomicLong();
    private final AtomicLong emptyDequeues = new AtomicLong();
    private final HttpClient http;
    private final String baseUrl;
    private String secretKey;
    private String workerToken;
    private String environmentId;

    private LoadTest(Settings settings) {
        this.settings = settings;
        this.baseUrl = "http://127.0.0.1:" + settings.port;
        // HTTP/1.1 (no h2c upgrade attempt); the JDK client keeps one connection per concurrent request.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        List<String> springArgs = new ArrayList<>(List.of("--server.address=127.0.0.1", "--server.port=" + settings.port,
                "--trigger-api.local-cluster.clickhouse=true", "--trigger-api.local-cluster.seed-demo=false",
                "--trigger-api.local-cluster.replica-apply-delay=" + settings.replicaDelay.toMillis() + "ms",
                "--logging.level.root=WARN", "--logging.level.dev.triggerapi=WARN"));
        springArgs.addAll(ReplicationLagByMinute.SPRING_ARGS);
        if (settings.replicationProcess) {
            springArgs.add("--trigger-api.replication.stream-enabled=false");
        }
        springArgs.addAll(settings.springArgs);
        ConfigurableApplicationContext app = new SpringApplicationBuilder(TriggerApiApplication.class)
                .run(springArgs.toArray(String[]::new));
        boolean passed;
        StreamProcess stream = null;
        CpuGroups cpuGroups = null;
        try {
            JdbcClient writer = JdbcClient.create(app.getBean("writerDataSource", HikariDataSource.class));
            ReplicationReadings readings;
            if (settings.replicationProcess) {
                System.out.println("starting the runs replication as a process of its own (--replication=process)");
                stream = StreamProcess.start(app.getEnvironment(), settings.port + 1, writer, settings.springArgs);
                readings = stream;
            } else {
                RunReplicator replicator = app.getBean(RunReplicator.class);
                waitFor("replication streaming", () -> replicator.status().state() == RunReplicator.State.STREAMING,
                        Duration.ofMinutes(2));
                readings = ReplicationReadings.inProcess(app.getBean(MeterRegistry.class), writer);
            }
            if (settings.cpuGroups) {
                cpuGroups = CpuGroups.create(stream == null ? -1 : stream.pid());
                System.out.println("CPU groups of their own (--cpu-groups): " + cpuGroups.describe());
            }
            passed = new LoadTest(settings).run(app, writer, readings, stream == null ? -1 : stream.pid());
        } finally {
            if (cpuGroups != null) {
                cpuGroups.close();
            }
            if (stream != null) {
                stream.close();
            }
            app.close();
        }
        System.exit(passed ? 0 : 1);
    }

    private boolean run(ConfigurableApplicationContext app, JdbcClient writer, ReplicationReadings readings,
                        long streamPid) throws Exception {
        ClickHouseClient clickHouse = app.getBean(ClickHouseClient.class);
        provision(app);
        ReplicationLagByMinute lagMinutes = new ReplicationLagByMinute(readings);
        String loadAtStart = loadAverage();
        System.out.printf("%n== load: %d clients × %d s, %d runners, replica apply delay %d ms, %d cores, load average %s, "
                        + "replication %s%n", settings.clients, settings.duration.toSeconds(), settings.runners,
                settings.replicaDelay.toMillis(), Runtime.getRuntime().availableProcessors(), loadAtStart,
                settings.replicationProcess ? "in a process of its own" : "in the service's process");

        AtomicInteger runnersActive = new AtomicInteger(1);
        List<Thread> runners = new ArrayList<>();
        for (int i = 0; i < settings.runners; i++) {
            runners.add(start("load-runner-" + i, () -> runnerLoop(runnersActive)));
        }
        if (!settings.warmup.isZero()) {
            // The JIT compiles the hot paths during the first seconds; measuring them would report the compiler.
            System.out.printf("warm-up: %d clients × %d s (not measured)%n", settings.clients, settings.warmup.toSeconds());
            runClients(System.nanoTime() + settings.warmup.toNanos());
            lagMinutes.mark("before measuring (warm-up)");
            settle(writer, app.getBean(RunReplicationProperties.class).slotName());
            loadAtStart = loadAverage();
        }
        lagMinutes.mark(settings.warmup.isZero() ? "before measuring" : "settle (clients paused, runners working)");
        lagMinutes.everyMinute();
        stats = measuredStats;
        System.out.printf("measuring: %d clients × %d s%n", settings.clients, settings.duration.toSeconds());
        CpuSnapshot cpuBefore = CpuSnapshot.take();
        Map<String, Long> programsBefore = ProcessCpu.read(streamPid);
        long completedBefore = completedByRunners.get();
        long started = System.nanoTime();
        runClients(started + settings.duration.toNanos());
        double seconds = (System.nanoTime() - started) / 1e9;
        lagMinutes.stopMinutes(ReplicationLagByMinute.REST_OF_MEASURED);
        CpuSnapshot cpuAfter = CpuSnapshot.take();
        Map<String, Long> programsAfter = ProcessCpu.read(streamPid);
        String loadAtEnd = loadAverage();
        long completedMeasured = completedByRunners.get() - completedBefore;
        stats = drainStats;
        long emptyBeforeDrain = emptyDequeues.get();

        // Let the runners finish what is queued (delayed runs become due meanwhile), then stop them between batches.
        long drainStarted = System.nanoTime();
        boolean drained = waitQuietly(() -> writer.sql("""
                        SELECT count(*) FROM task_runs WHERE runtime_environment_id = ?
                        AND status IN ('DELAYED', 'QUEUED', 'DEQUEUED', 'EXECUTING')""")
                .param(environmentId).query(Long.class).single() == 0, settings.drain);
        runnersActive.set(0);
        for (Thread runner : runners) {
            runner.join();
        }
        long loadStopped = System.nanoTime();
        double drainSeconds = (loadStopped - drainStarted) / 1e9;
        lagMinutes.mark("drain (clients stopped, runners finishing the queues)");
        // Issue 13: how long after the last write ClickHouse equals PostgreSQL, checked at once (before the other
        // invariants' queries), so the figure is the replication's and not the verification's.
        boolean clickHouseEqual = clickHouseEqual(writer, clickHouse);
        replicationCatchUp = String.format("ClickHouse FINAL (run id → status) equals PostgreSQL for all %,d runs %.1f s "
                + "after the load stopped (runners stopped; differing at the last check: %d)", lastPostgresRuns,
                (System.nanoTime() - loadStopped) / 1e9, lastDiffering);
        replicationEqual = clickHouseEqual;
        lagMinutes.mark("load stopped → ClickHouse equal");
        lagMinutes.close();

        printThroughput(seconds, loadAtStart, loadAtEnd);
        System.out.printf("runs completed by the runners: %,d while measuring (%.1f/s), %,d in all; after the clients "
                        + "stopped the runners %s in %.1f s (%,d empty dequeues meanwhile)%n", completedMeasured,
                completedMeasured / seconds, completedByRunners.get(), drained ? "emptied the queues"
                        : "had not emptied the queues by the " + settings.drain.toSeconds() + " s deadline (the rest stays queued)",
                drainSeconds, emptyDequeues.get() - emptyBeforeDrain);
        printCpu(cpuBefore, cpuAfter);
        System.out.printf("CPU by program in the measured phase, in cores (of %d): %s%n",
                Runtime.getRuntime().availableProcessors(), ProcessCpu.describe(programsBefore, programsAfter,
                        (cpuAfter.wallNanos() - cpuBefore.wallNanos()) / 1e9));
        lagMinutes.print();
        return verify(writer, clickHouse);
    }

    private void runClients(long endNanos) throws InterruptedException {
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < settings.clients; i++) {
            int client = i;
            clients.add(start("load-client-" + i, () -> clientLoop(client, endNanos)));
        }
        for (Thread client : clients) {
            client.join();
        }
    }

    /** A PRODUCTION environment, a worker group, versions 1 and 2 registered over HTTP, 2 promoted. */
    private void provision(ConfigurableApplicationContext app) throws Exception {
        EnvironmentProvisioning provisioning = app.getBean(EnvironmentProvisioning.class);
        ProvisionedEnvironment env = provisioning.createEnvironment("load-" + System.currentTimeMillis(), "load",
                EnvironmentType.PRODUCTION);
        ProvisionedWorkerGroup group = provisioning.createWorkerGroup("load-runners");
        secretKey = env.secretKey();
        environmentId = env.environment().id();
        workerToken = group.token();
        for (String version : VERSIONS) {
            ArrayNode tasks = JSON.createArrayNode();
            for (String task : TASKS) {
                ObjectNode queue = JSON.createObjectNode().put("name", task);
                // load-a's limit is below what the runners hold at once (runners × runner-batch), so it binds;
                // limited queues also take the dequeuer's queue lock. load-b is unlimited.
                if (!task.equals("load-b")) {
                    queue.put("concurrencyLimit", task.equals("load-a") ? 10 : 25);
                }
                tasks.add(JSON.createObjectNode().put("slug", task).put("ttl", "10m").put("triggerSource", "STANDARD")
                        .set("queue", queue));
            }
            String body = JSON.createObjectNode().put("version", version).set("tasks", tasks).toString();
            expectStatus(setupPost("/api/v1/deployments", body), 201, "register version " + version);
        }
        expectStatus(setupPost("/api/v1/deployments/2/promote", ""), 200, "promote version 2");
    }

    private HttpResponse<String> setupPost(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + secretKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void expectStatus(HttpResponse<String> response, int status, String what) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(what + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }

    private void clientLoop(int client, long endNanos) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long sequence = 0;
        while (System.nanoTime() < endNanos) {
            Kind kind = pickKind(random.nextInt(100));
            String task = TASKS.get(random.nextInt(TASKS.size()));
            ObjectNode options = JSON.createObjectNode();
            options.putArray("tags").add("load").add(kind.name().toLowerCase(java.util.Locale.ROOT));
            String key = null;
            String version = null;
            switch (kind) {
                case IDEMPOTENT -> options.put("idempotencyKey", key = "key-" + random.nextInt(settings.keysPerTask));
                case DELAYED -> options.put("delay", (1 + random.nextInt(5)) + "s");
                case LOCKED -> options.put("lockToVersion", version = VERSIONS.get(random.nextInt(VERSIONS.size())));
                default -> {
                }
            }
            ObjectNode body = JSON.createObjectNode();
            body.putObject("payload").put("client", client).put("sequence", sequence++);
            body.set("options", options);
            JsonNode answer = post(kind, "/api/v1/tasks/" + task + "/trigger", secretKey, null, body.toString());
            if (answer != null) {
                triggered.add(new Triggered(kind, task, key, version, answer.path("id").asString(null),
                        answer.path("isCached").asBoolean(false)));
            }
        }
    }

    private static Kind pickKind(int percentile) {
        int cumulative = 0;
        for (Kind kind : List.of(Kind.PLAIN, Kind.IDEMPOTENT, Kind.DELAYED, Kind.LOCKED)) {
            cumulative += MIX.get(kind);
            if (percentile < cumulative) {
                return kind;
            }
        }
        return Kind.PLAIN;
    }

    /**
     * Dequeue a batch, then start and complete each run (always successfully, so no idempotency key is
     * released by a failure). Stops between batches once {@code active} is 0, so no run is left dequeued.
     */
    private void runnerLoop(AtomicInteger active) {
        String dequeue = JSON.createObjectNode().put("maxRuns", settings.runnerBatch).toString();
        String completion = "{\"completion\":{\"ok\":true,\"output\":{\"done\":true}}}";
        while (active.get() == 1) {
            JsonNode batch = post(Kind.DEQUEUE, "/engine/v1/worker-actions/dequeue", workerToken, environmentId, dequeue);
            if (batch == null || !batch.isArray() || batch.isEmpty()) {
                emptyDequeues.incrementAndGet();
                sleep(50);
                continue;
            }
            for (JsonNode item : batch) {
                String run = item.path("run").path("friendlyId").asString();
                deliveries.computeIfAbsent(run, r -> new AtomicInteger()).incrementAndGet();
                String path = "/engine/v1/worker-actions/runs/" + run + "/snapshots/";
                JsonNode started = post(Kind.START, path + item.path("snapshot").path("id").asString() + "/attempts/start",
                        workerToken, environmentId, "");
                if (started == null) {
                    continue;
                }
                JsonNode completed = post(Kind.COMPLETE, path + started.path("snapshot").path("id").asString()
                        + "/attempts/complete", workerToken, environmentId, completion);
                if (completed != null) {
                    completedByRunners.incrementAndGet();
                }
            }
        }
    }

    /** POSTs and records the outcome; the parsed body of a 2xx answer, otherwise null. */
    private JsonNode post(Kind kind, String path, String token, String environmentScope, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(settings.timeout)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (environmentScope != null) {
            request.header("x-trigger-worker-environment-id", environmentScope);
        }
        LoadStats stats = this.stats; // one phase per request, also across the warm-up switch
        long started = System.nanoTime();
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            stats.timedOut(kind);
            return null;
        } catch (IOException e) {
            stats.transportError(kind, e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        stats.answered(kind, response.statusCode(), System.nanoTime() - started);
        if (response.statusCode() / 100 != 2) {
            if (stats.statusesBetween(kind, response.statusCode(), response.statusCode()) <= 3) {
                System.out.printf("   %s → HTTP %d %s%n", kind.label, response.statusCode(), response.body());
            }
            return null;
        }
        return JSON.readTree(response.body());
    }

    private void printThroughput(double seconds, String loadAtStart, String loadAtEnd) {
        System.out.printf("%n== results: %.1f s of load, load average %s at start, %s at the end%n", seconds,
                loadAtStart, loadAtEnd);
        System.out.println("| request | answered | per second | p50 | p95 | p99 | max | status codes | timeouts |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|---:|");
        for (Kind kind : Kind.values()) {
            printRow(kind.label, measuredStats.histogram(kind), seconds, measuredStats.statusSummary(kind),
                    measuredStats.timeouts(kind));
        }
        Kind[] triggers = {Kind.PLAIN, Kind.IDEMPOTENT, Kind.DELAYED, Kind.LOCKED};
        long triggerTimeouts = 0;
        for (Kind kind : triggers) {
            triggerTimeouts += measuredStats.timeouts(kind);
        }
        long ok = 0;
        for (Kind kind : triggers) {
            ok += measuredStats.statusesBetween(kind, 200, 299);
        }
        printRow("**all triggers**", measuredStats.histogram(triggers), seconds, ok + " answered 2xx", triggerTimeouts);
    }

    /** Where this JVM's CPU went during the measured phase (the service and the load generator share it). */
    private void printCpu(CpuSnapshot before, CpuSnapshot after) {
        long requests = 0;
        for (Kind kind : Kind.values()) {
            requests += measuredStats.answers(kind);
        }
        double wall = (after.wallNanos() - before.wallNanos()) / 1e9;
        double process = (after.processNanos() - before.processNanos()) / 1e9;
        double request = (after.requestNanos() - before.requestNanos()) / 1e6;
        System.out.printf("JVM CPU in the measured phase: %.1f s over %.1f s (%.2f of %d cores; service and load generator "
                        + "together); Tomcat request threads %.2f ms CPU per answered request (%,d requests); JIT "
                        + "compilers busy %.0f s (elapsed, summed over compiler threads: non-zero = not fully warm)%n", process, wall, process / wall,
                Runtime.getRuntime().availableProcessors(), request / Math.max(1, requests), requests,
                (after.jitMillis() - before.jitMillis()) / 1e3);
    }

    private static void printRow(String label, Histogram h, double seconds, String statuses, long timeouts) {
        System.out.printf("| %s | %,d | %,.1f | %s | %s | %s | %s | %s | %,d |%n", label, h.getTotalCount(),
                h.getTotalCount() / seconds, ms(h, 50), ms(h, 95), ms(h, 99), ms(h, 100), statuses, timeouts);
    }

    private static String ms(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return "–";
        }
        long micros = percentile >= 100 ? h.getMaxValue() : h.getValueAtPercentile(percentile);
        return micros >= 10_000 ? String.format("%,d ms", micros / 1000) : String.format("%.1f ms", micros / 1000.0);
    }

    /** Set once the load stopped: the replication's catch-up, reported with the other invariants. */
    private String replicationCatchUp = "ClickHouse FINAL equals PostgreSQL: not checked";
    private boolean replicationEqual;
    private volatile int lastPostgresRuns;
    private volatile long lastDiffering;
    private final Map<String, String> lastPostgres = new HashMap<>();

    /**
     * Between the warm-up and the measured phase the clients pause (at most {@code --settle}) until the stream has
     * acknowledged every change the warm-up wrote: the warm-up exists so the measured minutes do not report the JIT,
     * and the stream's backlog from its own cold start would otherwise carry into them. The runners keep working.
     */
    private void settle(JdbcClient writer, String slot) throws InterruptedException {
        if (settings.settle.isZero()) {
            return;
        }
        String target = writer.sql("SELECT pg_current_wal_lsn()::text").query(String.class).single();
        long started = System.nanoTime();
        boolean caughtUp = waitQuietly(() -> writer.sql("SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots "
                + "WHERE slot_name = ?").param(target).param(slot).query(Boolean.class).optional().orElse(false), settings.settle);
        System.out.printf("settle: the stream %s the warm-up's last change (WAL %s) %.1f s after the clients paused%n",
                caughtUp ? "had acknowledged" : "had NOT acknowledged (--settle ran out)", target,
                (System.nanoTime() - started) / 1e9);
    }

    /** Waits (up to {@code --replication-wait}) until ClickHouse FINAL holds PostgreSQL's status for every run. */
    private boolean clickHouseEqual(JdbcClient writer, ClickHouseClient clickHouse) throws InterruptedException {
        Map<String, String> postgres = new HashMap<>();
        Map<String, String> ch = new HashMap<>();
        boolean converged = waitQuietly(() -> {
            postgres.clear();
            ch.clear();
            writer.sql("SELECT id, status FROM task_runs WHERE runtime_environment_id = ?").param(environmentId)
                    .query((rs, n) -> postgres.put(rs.getString(1), rs.getString(2))).list();
            for (JsonNode row : clickHouse.select("SELECT run_id, status FROM task_runs FINAL WHERE environment_id = '"
                    + environmentId + "' AND _is_deleted = 0")) {
                ch.put(row.get("run_id").asString(), row.get("status").asString());
            }
            lastPostgresRuns = postgres.size();
            lastDiffering = postgres.entrySet().stream().filter(e -> !e.getValue().equals(ch.get(e.getKey()))).count()
                    + ch.keySet().stream().filter(id -> !postgres.containsKey(id)).count();
            return postgres.equals(ch);
        }, settings.replicationWait);
        lastPostgres.putAll(postgres);
        return converged;
    }

    private boolean verify(JdbcClient writer, ClickHouseClient clickHouse) throws InterruptedException {
        Map<String, PersistedRun> persisted = new HashMap<>();
        writer.sql("""
                        SELECT r.id, r.friendly_id, r.task_identifier, r.status, r.idempotency_key, r.tags,
                               w.version AS locked_version,
                               (SELECT s.execution_status FROM execution_snapshots s
                                WHERE s.run_id = r.id AND s.sequence = 1) AS first_snapshot
                        FROM task_runs r LEFT JOIN background_workers w ON w.id = r.locked_to_worker_id
                        WHERE r.runtime_environment_id = ?""")
                .param(environmentId)
                .query((rs, n) -> persisted.put(rs.getString("friendly_id"), new PersistedRun(rs.getString("id"),
                        rs.getString("task_identifier"), rs.getString("status"), rs.getString("idempotency_key"),
                        List.of((String[]) rs.getArray("tags").getArray()), rs.getString("locked_version"),
                        rs.getString("first_snapshot"))))
                .list();
        List<Triggered> answers = new ArrayList<>(triggered);
        Map<String, Boolean> results = new LinkedHashMap<>();
        System.out.printf("%n== invariants (%,d runs in PostgreSQL, %,d trigger answers 2xx)%n", persisted.size(),
                answers.size());

        long serverErrors = phases.stream().mapToLong(p -> p.statusesBetween(500, 599)).sum();
        results.put("0 responses 5xx (" + serverErrors + ")", serverErrors == 0);
        // 429 is the per-environment trigger rate limit doing its job (reported in the status codes, and a run
        // created for one would show up below as a run no 2xx named); any other 4xx on these valid requests is a bug.
        long rateLimited = phases.stream().mapToLong(p -> p.statusesBetween(429, 429)).sum();
        long clientErrors = phases.stream().mapToLong(p -> p.statusesBetween(400, 499)).sum() - rateLimited;
        results.put("0 client errors 4xx other than 429 on valid requests, runner actions included (" + clientErrors
                + "; 429 rate-limited: " + rateLimited + ")", clientErrors == 0);

        List<String> missing = new ArrayList<>();
        for (Triggered t : answers) {
            PersistedRun run = t.runId() == null ? null : persisted.get(t.runId());
            // A new delayed run starts DELAYED, any other QUEUED (a cached answer names an earlier run of its key).
            String expectedFirst = t.kind() == Kind.DELAYED ? "DELAYED" : "QUEUED";
            if (run == null || !run.task().equals(t.task())
                    || (t.cached() ? run.firstSnapshot() == null : !expectedFirst.equals(run.firstSnapshot()))) {
                missing.add(t.runId());
            }
        }
        results.put("every 2xx trigger names one persisted run of its task with its first snapshot, DELAYED for delayed "
                + "triggers, QUEUED otherwise (missing or wrong: "
                + missing.size() + ")", missing.isEmpty());

        Map<String, Long> newRunIds = new HashMap<>();
        long cachedNonIdempotent = 0;
        for (Triggered t : answers) {
            if (t.kind() != Kind.IDEMPOTENT) {
                newRunIds.merge(t.runId(), 1L, Long::sum);
                cachedNonIdempotent += t.cached() ? 1 : 0;
            }
        }
        long repeated = newRunIds.values().stream().filter(c -> c > 1).count();
        results.put("every non-idempotent 2xx created its own new run (repeated ids: " + repeated + ", isCached: "
                + cachedNonIdempotent + ")", repeated == 0 && cachedNonIdempotent == 0);

        Map<String, Set<String>> answeredPerKey = new HashMap<>();
        long idempotentAnswers = 0;
        for (Triggered t : answers) {
            if (t.kind() == Kind.IDEMPOTENT) {
                idempotentAnswers++;
                answeredPerKey.computeIfAbsent(t.task() + "/" + t.key(), k -> new HashSet<>()).add(t.runId());
            }
        }
        Map<String, Long> persistedPerKey = new HashMap<>();
        long idempotentWithoutKey = 0;
        for (PersistedRun run : persisted.values()) {
            if (run.tags().contains("idempotent")) {
                if (run.idempotencyKey() == null) {
                    idempotentWithoutKey++;
                } else {
                    persistedPerKey.merge(run.task() + "/" + run.idempotencyKey(), 1L, Long::sum);
                }
            }
        }
        boolean oneAnswerPerKey = answeredPerKey.values().stream().allMatch(ids -> ids.size() == 1);
        boolean onePersistedPerKey = persistedPerKey.values().stream().allMatch(c -> c == 1) && idempotentWithoutKey == 0;
        results.put(String.format("one run per (task, idempotency key): %,d answers → %d keys, each answered with one "
                        + "run id and persisted once (%d runs for %d keys in PostgreSQL)", idempotentAnswers,
                answeredPerKey.size(), persistedPerKey.values().stream().mapToLong(Long::longValue).sum()
                        + idempotentWithoutKey, persistedPerKey.size()),
                oneAnswerPerKey && onePersistedPerKey);

        long wrongLock = answers.stream().filter(t -> {
            PersistedRun run = persisted.get(t.runId());
            return run != null && !Objects.equals(run.lockedVersion(), t.version());
        }).count();
        results.put("version-locked runs are locked to the requested version, others unlocked (wrong: " + wrongLock + ")",
                wrongLock == 0);

        Set<String> answeredIds = new HashSet<>();
        answers.forEach(t -> answeredIds.add(t.runId()));
        long unanswered = persisted.keySet().stream().filter(id -> !answeredIds.contains(id)).count();
        long triggerNoAnswer = 0;
        for (Kind kind : new Kind[] {Kind.PLAIN, Kind.IDEMPOTENT, Kind.DELAYED, Kind.LOCKED}) {
            for (LoadStats phase : phases) {
                triggerNoAnswer += phase.timeouts(kind) + phase.transportErrors(kind) + phase.statusesBetween(kind, 500, 599);
            }
        }
        results.put("runs no 2xx named (" + unanswered + ") ≤ triggers without an answer (" + triggerNoAnswer + ")",
                unanswered <= triggerNoAnswer);

        long twice = deliveries.values().stream().filter(c -> c.get() > 1).count();
        results.put("no run delivered twice by dequeue (" + deliveries.size() + " delivered, " + twice + " more than once)",
                twice == 0);

        Map<String, Integer> peaks = peakSlotsPerLimitedQueue(writer);
        Map<String, Integer> limits = new HashMap<>();
        writer.sql("SELECT name, concurrency_limit FROM task_queues WHERE runtime_environment_id = ? AND concurrency_limit IS NOT NULL")
                .param(environmentId).query((rs, n) -> limits.put(rs.getString(1), rs.getInt(2))).list();
        boolean withinLimits = limits.entrySet().stream().allMatch(e -> peaks.getOrDefault(e.getKey(), 0) <= e.getValue());
        results.put("no limited queue ever had more runs DEQUEUED or EXECUTING than its limit (peak / limit: "
                + limits.keySet().stream().sorted().map(q -> q + " " + peaks.getOrDefault(q, 0) + "/" + limits.get(q))
                .collect(java.util.stream.Collectors.joining(", ")) + ")", withinLimits);

        results.put(replicationCatchUp, replicationEqual);

        Map<String, Long> byStatus = new java.util.TreeMap<>();
        lastPostgres.values().forEach(s -> byStatus.merge(s, 1L, Long::sum));
        results.forEach((what, ok) -> System.out.printf("%s  %s%n", ok ? "PASS" : "FAIL", what));
        System.out.println("runs by status: " + byStatus);
        boolean passed = results.values().stream().allMatch(Boolean::booleanValue);
        System.out.println(passed ? "== ALL INVARIANTS PASS" : "== INVARIANT FAILURE");
        return passed;
    }

    /**
     * Replays every run's snapshots (each records the run status it left the run in) in commit-time order per
     * queue and returns, per queue, the most runs that were DEQUEUED or EXECUTING at once — what the dequeuer
     * counts against the limit. A claim's snapshot is written under the queue's lock, so claims of one queue
     * appear in their real order; a release's snapshot is written before its commit, so the replay can only
     * under-count, never invent an excess.
     */
    private Map<String, Integer> peakSlotsPerLimitedQueue(JdbcClient writer) {
        record Change(String queue, java.sql.Timestamp at, int delta) {
        }
        List<Change> changes = new ArrayList<>();
        Map<String, Boolean> inSlot = new HashMap<>();
        writer.sql("""
                        SELECT s.run_id, r.queue, s.run_status, s.created_at FROM execution_snapshots s
                        JOIN task_runs r ON r.id = s.run_id
                        JOIN task_queues q ON q.runtime_environment_id = r.runtime_environment_id AND q.name = r.queue
                        WHERE r.runtime_environment_id = ? AND q.concurrency_limit IS NOT NULL
                        ORDER BY s.run_id, s.sequence""")
                .param(environmentId)
                .query((rs, n) -> {
                    boolean now = Set.of("DEQUEUED", "EXECUTING").contains(rs.getString("run_status"));
                    Boolean before = inSlot.put(rs.getString("run_id"), now);
                    if (now != Boolean.TRUE.equals(before)) {
                        changes.add(new Change(rs.getString("queue"), rs.getTimestamp("created_at"), now ? 1 : -1));
                    }
                    return null;
                })
                .list();
        // Releases first at equal timestamps: again the replay may only under-count.
        changes.sort(java.util.Comparator.comparing(Change::at).thenComparingInt(Change::delta));
        Map<String, Integer> current = new HashMap<>();
        Map<String, Integer> peak = new HashMap<>();
        for (Change change : changes) {
            int value = current.merge(change.queue(), change.delta(), Integer::sum);
            peak.merge(change.queue(), value, Math::max);
        }
        return peak;
    }

    private static String loadAverage() {
        try {
            String[] parts = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static void waitFor(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        if (!waitQuietly(condition, timeout)) {
            throw new IllegalStateException(what + ": not reached within " + timeout);
        }
    }

    /** Polls {@code condition} until true (returns true) or {@code timeout} passed (returns false). */
    private static boolean waitQuietly(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(250);
        }
        return true;
    }

    private static Thread start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.start();
        return thread;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One 2xx trigger answer and what was asked for. */
    private record Triggered(Kind kind, String task, String key, String version, String runId, boolean cached) {
    }

    /** A run as PostgreSQL holds it after the load. */
    private record PersistedRun(String id, String task, String status, String idempotencyKey, List<String> tags,
                                String lockedVersion, String firstSnapshot) {
    }

    /** Command-line options; anything not recognised goes to Spring. */
    private record Settings(int clients, Duration duration, Duration warmup, int runners, int runnerBatch, Duration replicaDelay,
                            int port, Duration timeout, int keysPerTask, Duration drain, Duration replicationWait,
                            Duration settle, boolean replicationProcess, boolean cpuGroups, List<String> springArgs) {

        static Settings parse(String[] args) {
            Map<String, String> options = new HashMap<>();
            List<String> spring = new ArrayList<>();
            Set<String> known = Set.of("clients", "duration", "warmup", "runners", "runner-batch", "replica-delay", "port",
                    "timeout", "keys", "drain", "replication-wait", "settle", "replication",
                    "cpu-groups");
            for (String arg : args) {
                int eq = arg.indexOf('=');
                String name = arg.startsWith("--") && eq > 2 ? arg.substring(2, eq) : null;
                if (name != null && known.contains(name)) {
                    options.put(name, arg.substring(eq + 1));
                } else if (!arg.isBlank()) {
                    spring.add(arg);
                }
            }
            return new Settings(Integer.parseInt(options.getOrDefault("clients", "50")),
                    duration(options.getOrDefault("duration", "60s")),
                    duration(options.getOrDefault("warmup", "30s")),
                    Integer.parseInt(options.getOrDefault("runners", "8")),
                    Integer.parseInt(options.getOrDefault("runner-batch", "10")),
                    duration(options.getOrDefault("replica-delay", "100ms")),
                    Integer.parseInt(options.getOrDefault("port", "3098")),
                    duration(options.getOrDefault("timeout", "10s")),
                    Integer.parseInt(options.getOrDefault("keys", "10")),
                    duration(options.getOrDefault("drain", "60s")),
                    duration(options.getOrDefault("replication-wait", "5m")),
                    duration(options.getOrDefault("settle", "3m")),
                    replication(options.getOrDefault("replication", "in-process")),
                    Boolean.parseBoolean(options.getOrDefault("cpu-groups", "false")), spring);
        }

        /** {@code in-process} (the service streams) or {@code process} (a process of its own: {@link StreamProcess}). */
        private static boolean replication(String mode) {
            return switch (mode) {
                case "in-process" -> false;
                case "process" -> true;
                default -> throw new IllegalArgumentException("--replication is in-process or process, not " + mode);
            };
        }

        /** {@code 250ms}, {@code 60s}, {@code 5m}. */
        private static Duration duration(String text) {
            String s = text.strip();
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            long amount = Long.parseLong(s.substring(0, s.length() - 1));
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                default -> throw new IllegalArgumentException("Not a duration (use ms, s or m): " + text);
            };
        }
    }
}
