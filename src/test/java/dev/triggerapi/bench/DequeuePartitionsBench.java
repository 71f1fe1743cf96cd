package dev.triggerapi.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.run.AttemptCompletion;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunAction;
import dev.triggerapi.run.RunActionResult;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.run.RunEngine;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Benchmark, not a test: the latency of one dequeue call ({@code maxRuns} 5) on a limited queue, side by side for
 * runs without a concurrency key, runs spread over many keys, and many keys queued behind a hot key whose slots are
 * all taken (the rounds that skip it). Each claimed run is started and completed before the next call, so slots
 * free up as a runner's would. Runs against the embedded cluster; {@code -Dbench.n=500} sets runs per scenario.
 */
public final class DequeuePartitionsBench {

    private DequeuePartitionsBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.getInteger("bench.n", 500);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(TriggerApiApplication.class)
                .web(WebApplicationType.NONE)
                .properties("trigger-api.local-cluster.seed-demo=false", "logging.level.root=WARN",
                        "logging.level.dev.triggerapi=ERROR")
                .run(args);
        try {
            RunCreator creator = context.getBean(RunCreator.class);
            RunEngine engine = context.getBean(RunEngine.class);
            JdbcClient jdbc = context.getBean(JdbcClient.class);
            EnvironmentProvisioning provisioning = context.getBean(EnvironmentProvisioning.class);
            ProvisionedWorkerGroup group = provisioning.createWorkerGroup("bench-" + Ids.newId());
            List<String> rows = new ArrayList<>();
            for (String scenario : List.of("no key", "50 keys", "behind a full hot key")) {
                String env = provisioning.createEnvironment("bench-" + Ids.newId(), "bench", EnvironmentType.PRODUCTION)
                        .environment().id();
                jdbc.sql("INSERT INTO task_queues (id, runtime_environment_id, name, concurrency_limit) VALUES (?, ?, 'q', 5)")
                        .params(Ids.newId(), env).update();
                if (scenario.startsWith("behind")) {
                    for (int i = 0; i < n; i++) {
                        creator.create(run(env, "hot"));
                    }
                    // The hot key's 5 slots stay taken for the whole measurement.
                    engine.dequeue(group.id(), env, 5);
                }
                for (int i = 0; i < n; i++) {
                    creator.create(run(env, scenario.equals("no key") ? null : "k" + (i % 50)));
                }
                List<Long> nanos = new ArrayList<>();
                int claimed = 0;
                while (true) {
                    long start = System.nanoTime();
                    List<RunActionResult> got = engine.dequeue(group.id(), env, 5);
                    nanos.add(System.nanoTime() - start);
                    if (got.isEmpty()) {
                        break;
                    }
                    claimed += got.size();
                    for (RunActionResult item : got) {
                        RunActionResult started = engine.startAttempt(new RunAction(group.id(), env,
                                item.run().friendlyId(), item.snapshot().id()));
                        engine.completeAttempt(new RunAction(group.id(), env, item.run().friendlyId(),
                                started.snapshot().id()), AttemptCompletion.success("{}", "application/json"));
                    }
                }
                long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
                Arrays.sort(sorted);
                rows.add(String.format(Locale.ROOT, "%-24s %6d %6d %9.2f %9.2f %9.2f", scenario, sorted.length, claimed,
                        pct(sorted, 50), pct(sorted, 95), pct(sorted, 100)));
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "%-24s %6s %6s %9s %9s %9s%n", "scenario", "calls", "runs", "p50 ms", "p95 ms", "max ms");
            rows.forEach(System.out::println);
        } finally {
            context.close();
        }
        System.exit(0);
    }

    private static NewRun run(String env, String key) {
        return new NewRun(new NewRun.Placement(env, "bench", "q", null, null, key, 0, null),
                NewRun.Payload.of("{}", "application/json"), NewRun.Idempotency.NONE, NewRun.Timing.NONE,
                NewRun.Origin.STANDARD);
    }

    private static double pct(long[] sorted, int p) {
        int index = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1_000_000.0;
    }
}
