package dev.triggerapi.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.local.LocalCluster;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.run.RunMetadataUpdater;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Measures what the realtime feed delivers while the replica lags: at replica apply delays 0 / 100 / 500 ms and a
 * steady write rate, the fraction of deliveries whose content is current and the commit-to-delivery latency,
 * with the read-your-writes gate on and off. Not a test: prints a table (see BENCHMARKS.md).
 *
 * <p>Each mode starts the real application (embedded primary + streaming replica + Redis, one cluster for the
 * JVM), subscribes one SSE client over HTTP to a tag feed of {@code RUNS} runs, and updates the runs' metadata
 * round-robin ({@code {"seq": n}}) at {@code WRITES_PER_SECOND}. Per run the writes are {@code RUNS /
 * WRITES_PER_SECOND} seconds apart, longer than any lag measured, so every delivery can be judged on its own:
 * <ul>
 *   <li><b>current</b>: the delivered {@code seq} is the run's latest committed one when the event arrives;</li>
 *   <li><b>commit → delivered</b>: per write, from its commit (the update call returned) until the client holds that
 *       write's content or newer; writes whose content had not arrived when the next write of the run committed
 *       count as "superseded" and have no latency.</li>
 * </ul>
 */
public final class RealtimeFreshnessBench {

    private static final int RUNS = 20;
    private static final int WRITES_PER_SECOND = 10;
    private static final Duration CELL = Duration.ofSeconds(Integer.getInteger("bench.cellSeconds", 20));
    private static final Duration SETTLE = Duration.ofSeconds(3);
    private static final long[] DELAYS_MS = {0, 100, 500};
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private record Mode(String name, Map<String, String> properties) {
    }

    private record Delivery(long atNanos, String runId, int seq) {
    }

    private record Row(String mode, long delayMs, int writes, int deliveries, double currentFraction, Long p50, Long p99,
                       int superseded, int undelivered, long hydrations, long staleHydrates) {
    }

    private RealtimeFreshnessBench() {
    }

    public static void main(String[] args) throws Exception {
        List<Mode> modes = List.of(
                new Mode("gate + tripwire (default)", Map.of()),
                new Mode("tripwire only (gate off)", Map.of("trigger-api.realtime.gate.enabled", "false")),
                new Mode("neither (naive)", Map.of("trigger-api.realtime.gate.enabled", "false",
                        "trigger-api.realtime.stale-hydrate.retries", "0",
                        "trigger-api.realtime.stale-hydrate.rehydrate-window", "0")));
        List<Row> rows = new ArrayList<>();
        for (Mode mode : modes) {
            try (ConfigurableApplicationContext app = start(mode)) {
                for (long delay : DELAYS_MS) {
                    rows.add(cell(app, mode.name(), delay));
                }
            }
        }
        print(rows);
        System.exit(0);
    }

    private static ConfigurableApplicationContext start(Mode mode) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("server.port", "0");
        properties.put("trigger-api.local-cluster.seed-demo", "false");
        properties.put("logging.level.root", "WARN");
        properties.put("spring.main.banner-mode", "off");
        properties.putAll(mode.properties());
        // As command-line arguments: they win over application.yml (default properties would not).
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(TriggerApiApplication.class).run(args);
    }

    private static Row cell(ConfigurableApplicationContext app, String mode, long delayMs) throws Exception {
        LocalCluster.sharedIfRunning().setReplicaApplyDelay(Duration.ofMillis(delayMs));
        Thread.sleep(1000);
        int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
        ProvisionedEnvironment env = app.getBean(EnvironmentProvisioning.class)
                .createEnvironment("bench-" + Ids.newId(), "bench", EnvironmentType.DEVELOPMENT);
        String tag = "bench-" + Ids.newId();
        RunCreator creator = app.getBean(RunCreator.class);
        List<CreatedRun> runs = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            runs.add(creator.create(new NewRun(NewRun.Placement.of(env.environment().id(), "bench-task", "task/bench-task"),
                    new NewRun.Payload("{}", "application/json", "{\"seq\":0}", "application/json", List.of(tag)),
                    NewRun.Idempotency.NONE, NewRun.Timing.NONE, NewRun.Origin.STANDARD)));
        }
        Thread.sleep(1000 + delayMs);

        List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        AtomicBoolean streaming = new AtomicBoolean(true);
        HttpResponse<InputStream> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/realtime/v1/runs?tags=" + tag))
                        .header("Authorization", "Bearer " + env.secretKey()).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Thread reader = new Thread(() -> read(response.body(), deliveries, streaming), "bench-sse");
        reader.start();
        Thread.sleep(2000 + delayMs); // initial state in

        int initial = deliveries.size();
        MeterRegistry meters = app.getBean(MeterRegistry.class);
        double hydrationsBefore = meters.counter("realtime.hydrations").count();
        double staleBefore = stale(meters);
        RunMetadataUpdater updater = app.getBean(RunMetadataUpdater.class);
        Map<String, List<long[]>> commits = new ConcurrentHashMap<>(); // run -> [seq, commitNanos]
        Map<String, Integer> seqs = new HashMap<>();
        long periodNanos = 1_000_000_000L / WRITES_PER_SECOND;
        long start = System.nanoTime();
        long end = start + CELL.toNanos();
        int writes = 0;
        for (long next = start; next < end; next += periodNanos) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            CreatedRun run = runs.get(writes % RUNS);
            int seq = seqs.merge(run.friendlyId(), 1, Integer::sum);
            JsonNode body = JSON.readTree("{\"metadata\":{\"seq\":" + seq + "}}");
            updater.update(env.environment(), run.friendlyId(), body);
            commits.computeIfAbsent(run.friendlyId(), k -> new CopyOnWriteArrayList<>())
                    .add(new long[] {seq, System.nanoTime()});
            writes++;
        }
        Thread.sleep(SETTLE.toMillis());
        streaming.set(false);
        response.body().close();
        reader.join(2000);

        List<Delivery> measured = deliveries.subList(initial, deliveries.size());
        return evaluate(mode, delayMs, writes, measured, commits,
                Math.round(meters.counter("realtime.hydrations").count() - hydrationsBefore),
                Math.round(stale(meters) - staleBefore));
    }

    private static double stale(MeterRegistry meters) {
        return meters.counter("realtime.stale_hydrates", "outcome", "recovered").count()
                + meters.counter("realtime.stale_hydrates", "outcome", "gave_up").count();
    }

    private static Row evaluate(String mode, long delayMs, int writes, List<Delivery> deliveries,
                                Map<String, List<long[]>> commits, long hydrations, long staleHydrates) {
        int current = 0;
        for (Delivery d : deliveries) {
            int latest = 0;
            for (long[] commit : commits.getOrDefault(d.runId(), List.of())) {
                if (commit[1] <= d.atNanos()) {
                    latest = (int) commit[0];
                }
            }
            if (d.seq() == latest) {
                current++;
            }
        }
        List<Long> latencies = new ArrayList<>();
        int superseded = 0;
        int undelivered = 0;
        for (Map.Entry<String, List<long[]>> run : commits.entrySet()) {
            List<long[]> writesOfRun = run.getValue();
            for (int i = 0; i < writesOfRun.size(); i++) {
                long seq = writesOfRun.get(i)[0];
                long committed = writesOfRun.get(i)[1];
                Long nextCommit = i + 1 < writesOfRun.size() ? writesOfRun.get(i + 1)[1] : null;
                Long arrived = deliveries.stream().filter(d -> d.runId().equals(run.getKey()) && d.seq() >= seq)
                        .map(Delivery::atNanos).min(Long::compare).orElse(null);
                if (arrived == null) {
                    undelivered++;
                } else if (nextCommit != null && arrived > nextCommit
                        && deliveries.stream().noneMatch(d -> d.runId().equals(run.getKey()) && d.seq() == seq)) {
                    superseded++;
                } else {
                    latencies.add(Math.max(0, arrived - committed) / 1_000_000);
                }
            }
        }
        latencies.sort(Long::compare);
        return new Row(mode, delayMs, writes, deliveries.size(),
                deliveries.isEmpty() ? 0 : (double) current / deliveries.size(),
                percentile(latencies, 0.50), percentile(latencies, 0.99), superseded, undelivered, hydrations, staleHydrates);
    }

    private static Long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return null;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static void read(InputStream body, List<Delivery> deliveries, AtomicBoolean streaming) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data:")) {
                    JsonNode run = JSON.readTree(line.substring(5).trim());
                    JsonNode seq = run.path("metadata").path("seq");
                    deliveries.add(new Delivery(System.nanoTime(), run.get("id").stringValue(), seq.asInt()));
                }
            }
        } catch (Exception e) {
            if (streaming.get()) {
                System.err.println("SSE reader failed: " + e);
            }
        }
    }

    private static void print(List<Row> rows) {
        String header = String.format("%-27s | %8s | %6s | %10s | %9s | %6s | %6s | %10s | %11s | %10s | %5s",
                "mode", "delay ms", "writes", "deliveries", "current %", "p50 ms", "p99 ms", "superseded", "undelivered",
                "hydrations", "stale");
        System.out.println();
        System.out.println("Realtime freshness: " + RUNS + " runs, " + WRITES_PER_SECOND + " writes/s, " + CELL.toSeconds()
                + " s per cell (commit -> delivered per write; superseded = content never sent before the run's next"
                + " write; undelivered = not sent within " + SETTLE.toSeconds() + " s after the last write; hydrations ="
                + " replica reads of changed runs; stale = records whose first read was stale)");
        System.out.println(header);
        char[] rule = new char[header.length()];
        Arrays.fill(rule, '-');
        System.out.println(new String(rule));
        for (Row row : rows) {
            System.out.println(String.format("%-27s | %8d | %6d | %10d | %9.1f | %6s | %6s | %10d | %11d | %10d | %5d",
                    row.mode(), row.delayMs(), row.writes(), row.deliveries(), 100 * row.currentFraction(),
                    row.p50() == null ? "-" : row.p50(), row.p99() == null ? "-" : row.p99(), row.superseded(),
                    row.undelivered(), row.hydrations(), row.staleHydrates()));
        }
    }
}
