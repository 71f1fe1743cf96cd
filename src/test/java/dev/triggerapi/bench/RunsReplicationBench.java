package dev.triggerapi.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.clickhouse.ClickHouseClient;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Runs replication under load, in two phases of the same writes: creates N runs (RunCreator) and moves each
 * through three more statuses with plain SQL updates on the writer.
 * <ul>
 *   <li><b>steady</b>: the stream follows the writers; waits until ClickHouse ({@code FINAL}, not deleted) equals
 *   PostgreSQL and prints the write rate, lag percentiles (commit → ClickHouse, per change) and stage times;</li>
 *   <li><b>catch-up</b>: the replicator is stopped, the same writes go into a second environment, the replicator
 *   is started again and the time until ClickHouse equals PostgreSQL gives the rate at which it drains a backlog,
 *   compared with the steady write rate of the same run.</li>
 * </ul>
 * With {@code -Dbench.replication=process} the stream runs in a process of its own ({@link StreamProcess}) and the
 * bench's service with {@code RUN_REPLICATION_STREAM_ENABLED=false}; for the catch-up the bench takes the leader lock
 * away from that process and gives it back ({@link StreamUnderTest.OwnProcess}). With {@code -Dbench.cpu-groups=true}
 * (stream in the service's process only) every server runs in a CPU cgroup of its own ({@link CpuGroups}).
 * Not a test: never fails on timing.
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.triggerapi.bench.RunsReplicationBench \
 *     [-Dexec.args="10000 4 --trigger-api.replication.flush-batch-size=1000"]
 * </pre>
 */
public final class RunsReplicationBench {

    private static final List<String> STEPS = List.of(
            "UPDATE task_runs SET status = 'DEQUEUED' WHERE id = ?",
            "UPDATE task_runs SET status = 'EXECUTING', started_at = clock_timestamp(), attempt_number = 1 WHERE id = ?",
            "UPDATE task_runs SET status = 'COMPLETED_SUCCESSFULLY', completed_at = clock_timestamp() WHERE id = ?");

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final java.util.concurrent.atomic.AtomicLong WRITER_CPU_NANOS = new java.util.concurrent.atomic.AtomicLong();

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        // The lag percentiles cover the whole steady phase: Micrometer's window would otherwise forget its start.
        List<String> springArgs = new ArrayList<>(List.of("--trigger-api.local-cluster.clickhouse=true",
                "--management.metrics.distribution.expiry.runs_replication.lag_ms=30m",
                "--management.metrics.distribution.buffer-length.runs_replication.lag_ms=1",
                "--trigger-api.local-cluster.seed-demo=false", "--logging.level.root=WARN", "--logging.level.dev.triggerapi=WARN"));
        springArgs.addAll(ReplicationLagByMinute.SPRING_ARGS);
        // -Dbench.replication=process: the stream runs in a process of its own (StreamProcess), the service without it.
        boolean ownProcess = switch (System.getProperty("bench.replication", "in-process")) {
            case "in-process" -> false;
            case "process" -> true;
            default -> throw new IllegalArgumentException("bench.replication is in-process or process");
        };
        // -Dbench.cpu-groups=true: each server in a CPU cgroup of its own (CpuGroups), as containers on one host.
        boolean cpuGroups = Boolean.getBoolean("bench.cpu-groups");
        if (cpuGroups && ownProcess) {
            throw new IllegalArgumentException("bench.cpu-groups=true is for the stream in the service's process: a stream "
                    + "process started later would inherit the service's group");
        }
        springArgs.addAll(StreamUnderTest.serviceArgs(ownProcess));
        // Further arguments are Spring properties, e.g. --trigger-api.replication.flush-batch-size=1000
        List<String> userArgs = Arrays.asList(args).subList(Math.min(2, args.length), args.length);
        springArgs.addAll(userArgs);
        ConfigurableApplicationContext app = new SpringApplicationBuilder(TriggerApiApplication.class)
                .web(WebApplicationType.NONE)
                .run(springArgs.toArray(String[]::new));
        JdbcClient writer = JdbcClient.create(app.getBean("writerDataSource", HikariDataSource.class));
        try (StreamUnderTest stream = StreamUnderTest.of(ownProcess, app, writer, userArgs);
             CpuGroups groups = cpuGroups ? CpuGroups.create(-1) : null) {
            System.out.println("runs replication " + (ownProcess ? "in a process of its own" : "in the service's process"));
            if (groups != null) {
                System.out.println("CPU groups of their own (-Dbench.cpu-groups=true): " + groups.describe());
            }
            run(app, stream, writer, runs, threads);
        } finally {
            app.close();
        }
    }

    private static void run(ConfigurableApplicationContext app, StreamUnderTest stream, JdbcClient writer, int runCount,
                            int threads) throws Exception {
        RunCreator creator = app.getBean(RunCreator.class);
        ClickHouseClient clickHouse = app.getBean(ClickHouseClient.class);
        ReplicationReadings readings = stream.readings();
        EnvironmentProvisioning provisioning = app.getBean(EnvironmentProvisioning.class);
        long changes = (long) runCount * (1 + STEPS.size());

        // Phase 1, steady: the writers at full speed with the stream following them. With -Dbench.identities=full,index
        // it runs once per replica identity of task_runs, in that order, in the same JVM (side by side, same load).
        ReplicationLagByMinute lagBuckets = new ReplicationLagByMinute(readings);
        // With -Dbench.columns=all,list it runs once with the publication sending every column of task_runs and once
        // with migration V15's column list (the columns the runs list reads), in that order.
        List<String> identities = Arrays.stream(System.getProperty("bench.identities", "").split(","))
                .map(String::trim).filter(i -> !i.isEmpty()).toList();
        List<String> columnSets = Arrays.stream(System.getProperty("bench.columns", "").split(","))
                .map(String::trim).filter(i -> !i.isEmpty()).toList();
        if (!identities.isEmpty() && !columnSets.isEmpty()) {
            throw new IllegalArgumentException("bench.identities and bench.columns vary one thing each: give one of them");
        }
        String publishedColumns = writer.sql("SELECT array_to_string(attnames, ', ') FROM pg_publication_tables "
                + "WHERE pubname = 'task_runs_clickhouse' AND tablename = 'task_runs'").query(String.class).single();
        // JIT warm-up: the decoding path costs two to three times as much CPU per change in the first 100,000 changes
        // of a JVM as later (measured: 0.12-0.16 ms vs 0.04-0.07 ms per change), and the JIT's compiler threads go on
        // taking a quarter to a third of a core for about five phases of 40,000 changes, next to the decoding thread
        // (BENCHMARKS.md, issue 13, "Eighth data point"). A service runs for days, so the result is the steady phase
        // after these; the warm-up phases are printed too. -Dbench.warmup-phases=0 omits them.
        int warmups = Integer.getInteger("bench.warmup-phases", 5);
        for (int w = 1; w <= warmups; w++) {
            lagBuckets.mark("between phases");
            steady(app, creator, writer, clickHouse, stream, provisioning, runCount, threads, changes,
                    describe(writer) + " (warm-up " + w + " of " + warmups + ", JIT: not the result)", lagBuckets);
        }
        Steady steadyResult = null;
        List<String> setups = identities.isEmpty() ? columnSets : identities;
        for (String setup : setups.isEmpty() ? List.of("") : setups) {
            if (!setup.isEmpty()) {
                writer.sql(switch (setup) {
                    case "full" -> "ALTER TABLE task_runs REPLICA IDENTITY FULL";
                    case "index" -> "ALTER TABLE task_runs REPLICA IDENTITY USING INDEX task_runs_replica_identity";
                    case "all" -> "ALTER PUBLICATION task_runs_clickhouse SET TABLE task_runs";
                    case "list" -> "ALTER PUBLICATION task_runs_clickhouse SET TABLE task_runs (" + publishedColumns + ")";
                    default -> throw new IllegalArgumentException("bench.identities: full or index; bench.columns: all or list; not " + setup);
                }).update();
            }
            String identityNow = describe(writer);
            lagBuckets.mark("between phases");
            steadyResult = steady(app, creator, writer, clickHouse, stream, provisioning, runCount, threads, changes,
                    identityNow, lagBuckets);
        }
        double writeRate = steadyResult.writeRate();
        Map<String, double[]> stagesSteady = steadyResult.stages();
        Map<String, Long> cpuSteady = steadyResult.cpu();

        // Phase 2, catch-up: the same writes with the stream stopped, then how fast it drains the backlog.
        String burstEnvId = provisioning.createEnvironment("bench-" + System.nanoTime(), "bench", EnvironmentType.PRODUCTION)
                .environment().id();
        stream.stop();
        Writes burst = write(creator, writer, burstEnvId, runCount, threads);
        Map<String, String> burstExpected = postgresRuns(writer, burstEnvId);
        Map<String, double[]> stagesBeforeDrain = readings.stages();
        long drainStarted = System.nanoTime();
        stream.start();
        long streamingAt = System.nanoTime();
        Map<String, Long> cpuBeforeDrain = readings.cpu();
        waitFor(() -> converged(clickHouse, burstEnvId, burstExpected), Duration.ofMinutes(10));
        long drainedAt = System.nanoTime();
        Map<String, Long> cpuDrain = ReplicationProbe.minusCpu(readings.cpu(), cpuBeforeDrain);
        Map<String, double[]> stagesDrain = ReplicationProbe.minus(readings.stages(), stagesBeforeDrain);
        String loadEnd = loadAverage();

        double drainRate = changes / ((drainedAt - drainStarted) / 1e9);
        lagBuckets.mark("catch-up (backlog drained)");
        System.out.printf("| load average after catch-up | %s |%n", loadEnd);
        System.out.printf("| **catch-up**: the same writes with replication stopped | %,d changes in %.1f s (%,.0f changes/s) |%n",
                changes, burst.seconds(), changes / burst.seconds());
        System.out.printf("| replication restarted → ClickHouse equal (%s) | %.2f s |%n", stream.describeStart(),
                (drainedAt - drainStarted) / 1e9);
        System.out.printf("| streaming again → ClickHouse equal | %.2f s (%,.0f changes/s, %.2f× the write rate) |%n",
                (drainedAt - streamingAt) / 1e9, changes / ((drainedAt - streamingAt) / 1e9),
                changes / ((drainedAt - streamingAt) / 1e9) / writeRate);
        System.out.printf("| replication throughput draining the backlog | **%,.0f changes/s** |%n", drainRate);
        System.out.printf("| **ratio** replication throughput / steady PostgreSQL write rate | **%.2f×** |%n", drainRate / writeRate);
        System.out.printf("| final state after catch-up | ClickHouse FINAL = PostgreSQL for all %,d runs |%n", burstExpected.size());
        lagBuckets.print();
        System.out.println();
        System.out.println("Stage times (runs_replication.stage): count, total s, mean ms per batch");
        System.out.println("| stage | steady: count | total s | mean ms | catch-up: count | total s | mean ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (String stage : stagesSteady.keySet()) {
            double[] a = stagesSteady.get(stage);
            double[] b = stagesDrain.getOrDefault(stage, new double[2]);
            System.out.printf("| %s | %,.0f | %.2f | %.1f | %,.0f | %.2f | %.1f |%n", stage, a[0], a[1],
                    a[0] == 0 ? 0 : a[1] * 1000 / a[0], b[0], b[1], b[0] == 0 ? 0 : b[1] * 1000 / b[0]);
        }
        System.out.println();
        System.out.printf("CPU seconds by thread group (steady: first write → ClickHouse equal, %.1f s; catch-up: streaming → equal, %.1f s)%n",
                steadyResult.seconds(), (drainedAt - drainStarted) / 1e9);
        System.out.println("| thread group | steady CPU s | catch-up CPU s |");
        System.out.println("|---|---:|---:|");
        java.util.Set<String> groups = new java.util.LinkedHashSet<>(cpuSteady.keySet());
        groups.addAll(cpuDrain.keySet());
        for (String group : groups) {
            System.out.printf("| %s | %.1f | %.1f |%n", group, cpuSteady.getOrDefault(group, 0L) / 1e9,
                    cpuDrain.getOrDefault(group, 0L) / 1e9);
        }
    }

    /** task_runs' replica identity and how many of its columns the publication sends. */
    private static String describe(JdbcClient writer) {
        return writer.sql("SELECT CASE relreplident WHEN 'f' THEN 'FULL' WHEN 'i' THEN 'USING INDEX' "
                        + "WHEN 'd' THEN 'DEFAULT' ELSE 'NOTHING' END FROM pg_class WHERE oid = 'task_runs'::regclass")
                .query(String.class).single()
                + ", publication sends " + writer.sql("SELECT cardinality(attnames) FROM pg_publication_tables "
                + "WHERE pubname = 'task_runs_clickhouse' AND tablename = 'task_runs'").query(Integer.class).single()
                + " columns";
    }

    private record Steady(double writeRate, Map<String, double[]> stages, Map<String, Long> cpu, double seconds) {
    }

    private static Steady steady(ConfigurableApplicationContext app, RunCreator creator, JdbcClient writer,
                                 ClickHouseClient clickHouse, StreamUnderTest stream, EnvironmentProvisioning provisioning,
                                 int runCount, int threads, long changes, String identity,
                                 ReplicationLagByMinute lagBuckets) throws Exception {
        String envId = provisioning.createEnvironment("bench-" + System.nanoTime(), "bench", EnvironmentType.PRODUCTION)
                .environment().id();
        ReplicationReadings readings = stream.readings();
        DistributionSummary lag = stream.lagSummary().orElse(null);
        long lagCountBefore = readings.lagCounts(new long[0])[0];
        double batchesBefore = readings.batchesFlushed();
        double rowsBefore = readings.rowsFlushed();
        Map<String, double[]> stagesBefore = readings.stages();
        String loadBefore = loadAverage();
        Map<String, Long> cpuBefore = readings.cpu();
        WRITER_CPU_NANOS.set(0);
        java.time.Instant phaseStarted = java.time.Instant.now();
        // -Dbench.trace=1: the lag of every second of the phase (which part of it lags), printed after the phase.
        ReplicationLagByMinute trace = Boolean.getBoolean("bench.trace") ? new ReplicationLagByMinute(readings) : null;
        if (trace != null) {
            trace.every(Duration.ofSeconds(1), "second");
        }
        Writes steady = write(creator, writer, envId, runCount, threads);
        Map<String, String> expected = postgresRuns(writer, envId);
        waitFor(() -> converged(clickHouse, envId, expected), Duration.ofMinutes(10));
        long convergedAt = System.nanoTime();
        String loadAfter = loadAverage();
        Map<String, Long> cpuSteady = ReplicationProbe.minusCpu(readings.cpu(), cpuBefore);
        cpuSteady.put("bench writer threads (RunCreator, JDBC updates)", WRITER_CPU_NANOS.get());
        Map<Double, Double> percentiles = new HashMap<>();
        if (lag != null) {
            for (ValueAtPercentile p : lag.takeSnapshot().percentileValues()) {
                percentiles.put(p.percentile(), p.value());
            }
        }
        long lagSamples = readings.lagCounts(new long[0])[0] - lagCountBefore;
        double batches = readings.batchesFlushed() - batchesBefore;
        double rows = readings.rowsFlushed() - rowsBefore;
        Map<String, double[]> stagesSteady = ReplicationProbe.minus(readings.stages(), stagesBefore);

        double writeRate = changes / steady.seconds();
        System.out.println();
        System.out.println("Runs replication bench: " + runCount + " runs, " + STEPS.size() + " updates each, " + threads
                + " writer threads, flush " + app.getEnvironment().getProperty("trigger-api.replication.flush-batch-size")
                + " rows / " + app.getEnvironment().getProperty("trigger-api.replication.flush-interval") + ", "
                + app.getEnvironment().getProperty("trigger-api.replication.insert.max-in-flight") + " inserts in flight");
        System.out.println("| metric | value |");
        System.out.println("|---|---|");
        if (trace != null) {
            trace.stopMinutes("until ClickHouse equal");
            trace.print();
            trace.close();
        }
        lagBuckets.mark("steady, replica identity " + identity);
        System.out.printf("| task_runs replica identity, published columns | %s |%n", identity);
        System.out.printf("| phase (UTC, for slicing a JFR recording) | %s → %s |%n", phaseStarted, java.time.Instant.now());
        System.out.printf("| load average (1/5/15 min) before / after steady | %s / %s |%n", loadBefore, loadAfter);
        System.out.printf("| **steady**: row changes written to PostgreSQL (inserts + updates) | %,d |%n", changes);
        System.out.printf("| write phase (creates %.1f s + updates %.1f s) | %.1f s |%n", steady.createSeconds(),
                steady.updateSeconds(), steady.seconds());
        System.out.printf("| PostgreSQL write rate | **%,.0f changes/s** |%n", writeRate);
        System.out.printf("| batches flushed to ClickHouse (rows after collapsing per batch) | %,.0f (%,.0f rows) |%n", batches, rows);
        System.out.printf("| ClickHouse equal to PostgreSQL after the last write | %.2f s |%n", (convergedAt - steady.endNanos()) / 1e9);
        System.out.printf("| changes / (first write → ClickHouse equal) | %,.0f rows/s |%n",
                changes / ((convergedAt - steady.startNanos()) / 1e9));
        if (lag != null) {
            System.out.printf("| lag commit → ClickHouse p50 | %.0f ms |%n", percentiles.getOrDefault(0.5, Double.NaN));
            System.out.printf("| lag commit → ClickHouse p99 | **%.0f ms** |%n", percentiles.getOrDefault(0.99, Double.NaN));
        }
        System.out.printf("| lag p50 / p99 of this phase alone (50 ms buckets) | %s / **%s** |%n", lagBuckets.lastP50(),
                lagBuckets.lastP99());
        System.out.printf("| lag samples (changes written to ClickHouse) | %,d |%n", lagSamples);
        System.out.printf("| final state | ClickHouse FINAL = PostgreSQL for all %,d runs |%n", expected.size());
        System.out.flush();

        for (Map.Entry<String, Long> group : cpuSteady.entrySet()) {
            if (group.getKey().equals(ReplicationProbe.DECODING_RUN_QUEUE)
                    || group.getKey().equals(ReplicationProbe.CLICKHOUSE_RUN_QUEUE)) {
                System.out.printf("| %s | %.1f s (%.0f %% of the phase) |%n", group.getKey(), group.getValue() / 1e9,
                        group.getValue() / 1e7 / ((convergedAt - steady.startNanos()) / 1e9));
                continue;
            }
            System.out.printf("| CPU: %s | %.1f s (%.2f ms per change) |%n", group.getKey(), group.getValue() / 1e9,
                    group.getValue() / 1e6 / changes);
        }
        System.out.flush();
        return new Steady(writeRate, stagesSteady, cpuSteady, (convergedAt - steady.startNanos()) / 1e9);
    }

    private record Writes(long startNanos, long createdNanos, long endNanos) {
        double seconds() {
            return (endNanos - startNanos) / 1e9;
        }

        double createSeconds() {
            return (createdNanos - startNanos) / 1e9;
        }

        double updateSeconds() {
            return (endNanos - createdNanos) / 1e9;
        }
    }

    /** Creates {@code runCount} runs from {@code threads} threads, then moves each through {@link #STEPS}. */
    private static Writes write(RunCreator creator, JdbcClient writer, String envId, int runCount, int threads)
            throws Exception {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> new Thread(r, "bench-writer-" + n.incrementAndGet()));
        try {
            long started = System.nanoTime();
            List<Future<List<String>>> created = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int share = runCount / threads + (t < runCount % threads ? 1 : 0);
                int thread = t;
                created.add(pool.submit(() -> {
                    List<String> ids = new ArrayList<>(share);
                    long cpu = THREADS.getCurrentThreadCpuTime();
                    for (int i = 0; i < share; i++) {
                        CreatedRun run = creator.create(new NewRun(
                                NewRun.Placement.of(envId, "bench-task-" + (i % 10), "task/bench-task-" + (i % 10)),
                                new NewRun.Payload("{\"i\":" + i + "}", "application/json", null, null, List.of("t" + thread)),
                                NewRun.Idempotency.NONE, NewRun.Timing.NONE, NewRun.Origin.STANDARD));
                        ids.add(run.id());
                    }
                    WRITER_CPU_NANOS.addAndGet(THREADS.getCurrentThreadCpuTime() - cpu);
                    return ids;
                }));
            }
            List<List<String>> idsPerThread = new ArrayList<>();
            for (Future<List<String>> f : created) {
                idsPerThread.add(f.get());
            }
            long createdAt = System.nanoTime();
            List<Future<?>> updated = new ArrayList<>();
            for (List<String> ids : idsPerThread) {
                updated.add(pool.submit(() -> {
                    long cpu = THREADS.getCurrentThreadCpuTime();
                    for (String step : STEPS) {
                        for (String id : ids) {
                            writer.sql(step).param(id).update();
                        }
                    }
                    WRITER_CPU_NANOS.addAndGet(THREADS.getCurrentThreadCpuTime() - cpu);
                    return null;
                }));
            }
            for (Future<?> f : updated) {
                f.get();
            }
            return new Writes(started, createdAt, System.nanoTime());
        } finally {
            pool.shutdown();
        }
    }

    private static Map<String, String> postgresRuns(JdbcClient writer, String envId) {
        Map<String, String> expected = new HashMap<>();
        writer.sql("SELECT id, status, updated_at FROM task_runs WHERE runtime_environment_id = ?").param(envId)
                .query((rs, n) -> expected.put(rs.getString(1), rs.getString(2) + "@"
                        + (rs.getTimestamp(3).toInstant().getEpochSecond() * 1_000_000 + rs.getTimestamp(3).toInstant().getNano() / 1000)))
                .list();
        return expected;
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (Exception e) {
            return "n/a";
        }
    }

    /**
     * ClickHouse equals PostgreSQL. A cheap count of finished runs first, so the polling does not take CPU from the
     * stream it waits for; the full comparison only once every run looks done.
     */
    private static boolean converged(ClickHouseClient clickHouse, String envId, Map<String, String> expected) {
        long done = clickHouse.select("SELECT count() AS n FROM task_runs FINAL WHERE environment_id = '" + envId
                + "' AND _is_deleted = 0 AND status = 'COMPLETED_SUCCESSFULLY'").get(0).get("n").asLong();
        return done >= expected.size() && expected.equals(clickHouseRuns(clickHouse, envId));
    }

    private static Map<String, String> clickHouseRuns(ClickHouseClient clickHouse, String envId) {
        Map<String, String> out = new HashMap<>();
        for (JsonNode r : clickHouse.select("SELECT run_id, status, updated_at_us FROM task_runs FINAL WHERE environment_id = '"
                + envId + "' AND _is_deleted = 0")) {
            out.put(r.get("run_id").asString(), r.get("status").asString() + "@" + r.get("updated_at_us").asLong());
        }
        return out;
    }

    /** A transient failure of the check (ClickHouse or the writer busy on a loaded machine) counts as "not yet". */
    private static boolean holds(java.util.function.BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (RuntimeException e) {
            System.out.println("(check failed, retrying: " + e.getMessage() + ")");
            return false;
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!holds(condition)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out after " + timeout);
            }
            Thread.sleep(200);
        }
    }
}
