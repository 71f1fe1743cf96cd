package dev.triggerapi.bench;

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
import dev.triggerapi.replication.ClickHouseClient;
import dev.triggerapi.replication.RunReplicator;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Runs replication under load: creates N runs (RunCreator) and moves each through three more statuses with
 * plain SQL updates on the writer, then waits until ClickHouse ({@code FINAL}, not deleted) equals PostgreSQL
 * and prints lag percentiles (commit → ClickHouse, per change) and throughput. Not a test: never fails on timing.
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

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        List<String> springArgs = new ArrayList<>(List.of("--trigger-api.local-cluster.clickhouse=true",
                "--trigger-api.local-cluster.seed-demo=false", "--logging.level.root=WARN", "--logging.level.dev.triggerapi=WARN"));
        // Further arguments are Spring properties, e.g. --trigger-api.replication.flush-batch-size=1000
        springArgs.addAll(Arrays.asList(args).subList(Math.min(2, args.length), args.length));
        ConfigurableApplicationContext app = new SpringApplicationBuilder(TriggerApiApplication.class)
                .web(WebApplicationType.NONE)
                .run(springArgs.toArray(String[]::new));
        try {
            run(app, runs, threads);
        } finally {
            app.close();
        }
    }

    private static void run(ConfigurableApplicationContext app, int runCount, int threads) throws Exception {
        RunCreator creator = app.getBean(RunCreator.class);
        RunReplicator replicator = app.getBean(RunReplicator.class);
        ClickHouseClient clickHouse = app.getBean(ClickHouseClient.class);
        MeterRegistry meters = app.getBean(MeterRegistry.class);
        JdbcClient writer = JdbcClient.create(app.getBean("writerDataSource", HikariDataSource.class));
        String envId = app.getBean(EnvironmentProvisioning.class)
                .createEnvironment("bench-" + System.nanoTime(), "bench", EnvironmentType.PRODUCTION).environment().id();
        waitFor(() -> replicator.status().state() == RunReplicator.State.STREAMING, Duration.ofMinutes(2));
        DistributionSummary lag = meters.get("runs_replication.lag_ms").summary();
        long lagCountBefore = lag.count();
        double batchesBefore = meters.get("runs_replication.batches_flushed").tag("success", "true").counter().count();

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long started = System.nanoTime();
        List<Future<List<String>>> created = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int share = runCount / threads + (t < runCount % threads ? 1 : 0);
            int thread = t;
            created.add(pool.submit(() -> {
                List<String> ids = new ArrayList<>(share);
                for (int i = 0; i < share; i++) {
                    CreatedRun run = creator.create(new NewRun(envId, "bench-task-" + (i % 10), "task/bench-task-" + (i % 10),
                            null, null, "{\"i\":" + i + "}", "application/json", null, null, List.of("t" + thread),
                            null, null, "STANDARD", null, null, null, 0, null, null, null, null, false, null));
                    ids.add(run.id());
                }
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
                for (String step : STEPS) {
                    for (String id : ids) {
                        writer.sql(step).param(id).update();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : updated) {
            f.get();
        }
        long writtenAt = System.nanoTime();
        pool.shutdown();

        Map<String, String> expected = new HashMap<>();
        writer.sql("SELECT id, status, updated_at FROM task_runs WHERE runtime_environment_id = ?").param(envId)
                .query((rs, n) -> expected.put(rs.getString(1), rs.getString(2) + "@"
                        + (rs.getTimestamp(3).toInstant().getEpochSecond() * 1_000_000 + rs.getTimestamp(3).toInstant().getNano() / 1000)))
                .list();
        waitFor(() -> expected.equals(clickHouseRuns(clickHouse, envId)), Duration.ofMinutes(10));
        long convergedAt = System.nanoTime();

        long changes = (long) runCount * (1 + STEPS.size());
        double writeSeconds = (writtenAt - started) / 1e9;
        double totalSeconds = (convergedAt - started) / 1e9;
        Map<Double, Double> percentiles = new HashMap<>();
        for (ValueAtPercentile p : lag.takeSnapshot().percentileValues()) {
            percentiles.put(p.percentile(), p.value());
        }
        System.out.println();
        System.out.println("Runs replication bench: " + runCount + " runs, " + STEPS.size() + " updates each, " + threads
                + " writer threads, flush " + app.getEnvironment().getProperty("trigger-api.replication.flush-batch-size")
                + " rows / " + app.getEnvironment().getProperty("trigger-api.replication.flush-interval"));
        System.out.println("| metric | value |");
        System.out.println("|---|---|");
        System.out.printf("| row changes written to PostgreSQL (inserts + updates) | %,d |%n", changes);
        System.out.printf("| write phase (creates %.1f s + updates %.1f s) | %.1f s |%n", (createdAt - started) / 1e9,
                (writtenAt - createdAt) / 1e9, writeSeconds);
        System.out.printf("| PostgreSQL write rate | %,.0f changes/s |%n", changes / writeSeconds);
        System.out.printf("| batches flushed to ClickHouse | %,.0f |%n", meters.get("runs_replication.batches_flushed")
                .tag("success", "true").counter().count() - batchesBefore);
        System.out.printf("| ClickHouse equal to PostgreSQL after the last write | %.2f s |%n", (convergedAt - writtenAt) / 1e9);
        System.out.printf("| replication throughput (changes / first write → converged) | %,.0f rows/s |%n", changes / totalSeconds);
        System.out.printf("| lag commit → ClickHouse p50 | %.0f ms |%n", percentiles.getOrDefault(0.5, Double.NaN));
        System.out.printf("| lag commit → ClickHouse p99 | %.0f ms |%n", percentiles.getOrDefault(0.99, Double.NaN));
        System.out.printf("| lag samples (changes written to ClickHouse) | %,d |%n", lag.count() - lagCountBefore);
        System.out.printf("| final state | ClickHouse FINAL = PostgreSQL for all %,d runs |%n", expected.size());
    }

    private static Map<String, String> clickHouseRuns(ClickHouseClient clickHouse, String envId) {
        Map<String, String> out = new HashMap<>();
        for (JsonNode r : clickHouse.select("SELECT run_id, status, updated_at_us FROM task_runs FINAL WHERE environment_id = '"
                + envId + "' AND _is_deleted = 0")) {
            out.put(r.get("run_id").asString(), r.get("status").asString() + "@" + r.get("updated_at_us").asLong());
        }
        return out;
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out after " + timeout);
            }
            Thread.sleep(100);
        }
    }
}
