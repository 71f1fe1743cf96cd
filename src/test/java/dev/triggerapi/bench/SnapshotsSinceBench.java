package dev.triggerapi.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.local.LocalCluster;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunActionResult;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.run.RunEngine;
import dev.triggerapi.snapshot.SnapshotWindowQuery;
import dev.triggerapi.snapshot.SnapshotsSinceReader;
import dev.triggerapi.snapshot.SnapshotsSinceRequest;
import dev.triggerapi.support.TestRuns;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Benchmark, not a test: a runner's snapshots-since poll issued right after a state change (the dequeue that
 * created the anchor), at replica apply delays 0 / 100 / 500 ms, for three read strategies:
 * <ul>
 *   <li>{@code retry+fallback}: the product (replica, one jittered replica retry after 50–200 ms, then primary);</li>
 *   <li>{@code replica-only}: what a plain replica read gives (an error until the replica catches up);</li>
 *   <li>{@code primary-only}: the flag off (every poll on the writer).</li>
 * </ul>
 * Prints n, errors, latency p50/p95/p99/max, and for retry+fallback how each poll was answered.
 * Runs against the embedded cluster. {@code -Dbench.n=200} sets polls per cell;
 * {@code -Dbench.synchronousCommit=off} keeps the embedded primary's asynchronous commit.
 */
public final class SnapshotsSinceBench {

    private SnapshotsSinceBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.getInteger("bench.n", 200);
        String synchronousCommit = System.getProperty("bench.synchronousCommit", "on");
        ConfigurableApplicationContext context = new SpringApplicationBuilder(TriggerApiApplication.class)
                .web(WebApplicationType.NONE)
                .properties("trigger-api.local-cluster.seed-demo=false", "logging.level.root=WARN",
                        "logging.level.dev.triggerapi=ERROR",
                        // The embedded primary defaults to synchronous_commit = off (WAL reaches the replica only
                        // when the WAL writer flushes, up to ~200 ms later); production primaries commit
                        // synchronously, so the bench does too unless told otherwise.
                        "spring.datasource.hikari.connection-init-sql=SET synchronous_commit = " + synchronousCommit)
                .run(args);
        System.out.println("synchronous_commit on the writer sessions: " + synchronousCommit);
        try {
            new Run(context, n).all();
        } finally {
            context.close();
        }
        System.exit(0);
    }

    private static final class Run {
        private final RunCreator creator;
        private final RunEngine engine;
        private final SnapshotsSinceReader reader;
        private final JdbcClient writer;
        private final JdbcClient replica;
        private final MeterRegistry meters;
        private final ProvisionedEnvironment env;
        private final ProvisionedWorkerGroup workerGroup;
        private final int n;
        private final List<String> rows = new ArrayList<>();

        Run(ConfigurableApplicationContext context, int n) {
            this.creator = context.getBean(RunCreator.class);
            this.engine = context.getBean(RunEngine.class);
            this.reader = context.getBean(SnapshotsSinceReader.class);
            this.writer = JdbcClient.create(context.getBean("writerDataSource", HikariDataSource.class));
            this.replica = JdbcClient.create(context.getBean("replicaDataSource", HikariDataSource.class));
            this.meters = context.getBean(MeterRegistry.class);
            EnvironmentProvisioning provisioning = context.getBean(EnvironmentProvisioning.class);
            this.env = provisioning.createEnvironment("bench-" + Ids.newId(), "bench", EnvironmentType.PRODUCTION);
            this.workerGroup = provisioning.createWorkerGroup("bench-" + Ids.newId());
            this.n = n;
        }

        void all() {
            SnapshotWindowQuery query = new SnapshotWindowQuery();
            for (int delayMs : new int[] {0, 100, 500}) {
                lag(Duration.ofMillis(delayMs));
                measure(delayMs, "retry+fallback", request -> reader.read(request).join().snapshots().size());
                measure(delayMs, "replica-only", request -> query.read(replica, request, 50).snapshots().size());
                measure(delayMs, "primary-only", request -> query.read(writer, request, 50).snapshots().size());
            }
            lag(Duration.ZERO);
            System.out.println();
            System.out.println("snapshots-since poll right after a state change (n=" + n + " per row)");
            System.out.printf(Locale.ROOT, "%-8s %-15s %6s %7s %9s %9s %9s %9s   %s%n", "delay", "strategy", "n",
                    "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "answered by (replica first / replica retry / primary)");
            rows.forEach(System.out::println);
        }

        private void measure(int delayMs, String strategy, Function<SnapshotsSinceRequest, Integer> poll) {
            List<NewRun> runs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                runs.add(TestRuns.run(env.environment().id(), "bench").build());
            }
            runs.forEach(creator::create);
            double retryBefore = count("replica_retry");
            double primaryBefore = count("primary");
            long[] nanos = new long[n];
            int errors = 0;
            for (int i = 0; i < n; i++) {
                RunActionResult dequeued = engine.dequeue(workerGroup.id(), env.environment().id(), 1).get(0);
                SnapshotsSinceRequest request = new SnapshotsSinceRequest(dequeued.run().friendlyId(),
                        dequeued.snapshot().id(), env.environment().id());
                long start = System.nanoTime();
                try {
                    poll.apply(request);
                } catch (RuntimeException e) {
                    errors++;
                }
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            String answeredBy = "";
            if (strategy.equals("retry+fallback")) {
                int retry = (int) (count("replica_retry") - retryBefore);
                int primary = (int) (count("primary") - primaryBefore);
                answeredBy = (n - errors - retry - primary) + " / " + retry + " / " + primary;
            }
            rows.add(String.format(Locale.ROOT, "%-8s %-15s %6d %7d %9.2f %9.2f %9.2f %9.2f   %s", delayMs + "ms", strategy,
                    n, errors, ms(nanos, 0.50), ms(nanos, 0.95), ms(nanos, 0.99), nanos[n - 1] / 1e6, answeredBy));
            System.out.println(rows.get(rows.size() - 1));
        }

        private double count(String outcome) {
            Counter counter = meters.find("run_engine.snapshots_since.replica_miss").tag("outcome", outcome).counter();
            return counter == null ? 0 : counter.count();
        }

        private static double ms(long[] sorted, double quantile) {
            int index = (int) Math.ceil(quantile * sorted.length) - 1;
            return sorted[Math.max(0, index)] / 1e6;
        }

        /** Sets the apply delay and waits until a fresh commit shows it in effect (or, for 0, until caught up). */
        private void lag(Duration delay) {
            LocalCluster.sharedIfRunning().setReplicaApplyDelay(delay);
            for (int attempt = 0; attempt < 200; attempt++) {
                String slug = "bench-sentinel-" + Ids.newId();
                writer.sql("INSERT INTO organizations (id, slug, title) VALUES (?, ?, 'sentinel')").params(Ids.newId(), slug).update();
                sleep(delay.isZero() ? 100 : 30);
                boolean visible = replica.sql("SELECT count(*) FROM organizations WHERE slug = ?").param(slug)
                        .query(Integer.class).single() == 1;
                if (visible == delay.isZero()) {
                    sleep(delay.toMillis() + 100); // let pending commits drain before measuring
                    return;
                }
            }
            throw new IllegalStateException("replica apply delay " + delay + " did not take effect");
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
