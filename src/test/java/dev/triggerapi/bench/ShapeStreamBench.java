package dev.triggerapi.bench;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
 * {@code SUBSCRIBERS} (default 1,000) concurrent shape-stream subscriptions on one instance, each a one-run feed
 * polled like {@code @electric-sql/client} does (snapshot, then {@code live=true} polls held by the server): heap
 * used and live threads with every poll held, and commit → delivery latency of metadata writes at replica apply
 * delay 0 and 200 ms. Not a test: prints a table (see BENCHMARKS.md).
 *
 * <p>The clients run in the same JVM on one {@link HttpClient} with a 4-thread executor, so the thread count
 * beyond the baseline is the server's. Writes start once every client has its snapshot and a held live poll.
 * Latency per write: from the update call returning (committed) until the answer carrying that write's content
 * (or newer) reached its client. A failed request is retried after 1 s, as the client does, and counted.
 */
public final class ShapeStreamBench {

    private static final int SUBSCRIBERS = Integer.getInteger("bench.subscribers", 1000);
    private static final int WRITES_PER_SECOND = Integer.getInteger("bench.writesPerSecond", 20);
    private static final Duration CELL = Duration.ofSeconds(Integer.getInteger("bench.cellSeconds", 20));
    private static final long[] DELAYS_MS = {0, 200};
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ShapeStreamBench() {
    }

    /** One client following one run. */
    private static final class Subscriber {
        final CreatedRun run;
        final String path;
        volatile String handle;
        volatile String offset = "-1";
        /** Set once the snapshot arrived: from then on every request of this client is a live poll. */
        volatile boolean snapshotted;
        final List<long[]> seen = new CopyOnWriteArrayList<>(); // [seq, arrivalNanos]

        Subscriber(CreatedRun run) {
            this.run = run;
            this.path = "/realtime/v1/runs/" + run.friendlyId();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("server.port", "0");
        properties.put("trigger-api.local-cluster.seed-demo", "false");
        properties.put("logging.level.root", "WARN");
        properties.put("spring.main.banner-mode", "off");
        properties.put("trigger-api.realtime.shape.max-held-per-environment", Integer.toString(SUBSCRIBERS * 2));
        String[] cli = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        List<String> rows = new ArrayList<>();
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(TriggerApiApplication.class).run(cli)) {
            for (long delay : DELAYS_MS) {
                rows.add(cell(app, delay));
            }
        }
        System.out.println();
        System.out.printf("%-9s %-11s %-9s %-12s %-12s %-8s %-8s %-8s %-8s %-6s %-8s%n", "delay ms", "subscribers",
                "held", "heap MB", "threads", "writes", "p50 ms", "p99 ms", "max ms", "lost", "retries");
        rows.forEach(System.out::println);
        System.out.println("load average: " + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.exit(0);
    }

    private static String cell(ConfigurableApplicationContext app, long delayMs) throws Exception {
        LocalCluster.sharedIfRunning().setReplicaApplyDelay(Duration.ofMillis(delayMs));
        int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
        ProvisionedEnvironment env = app.getBean(EnvironmentProvisioning.class)
                .createEnvironment("bench-" + Ids.newId(), "bench", EnvironmentType.DEVELOPMENT);
        RunCreator creator = app.getBean(RunCreator.class);
        MeterRegistry meters = app.getBean(MeterRegistry.class);
        List<Subscriber> subscribers = new ArrayList<>();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            subscribers.add(new Subscriber(creator.create(new NewRun(
                    NewRun.Placement.of(env.environment().id(), "bench-task", "task/bench-task"),
                    new NewRun.Payload("{}", "application/json", "{\"seq\":0}", "application/json", List.of()),
                    NewRun.Idempotency.NONE, NewRun.Timing.NONE, NewRun.Origin.STANDARD))));
        }
        Thread.sleep(1000 + delayMs);
        System.gc();
        Thread.sleep(500);
        long heapBefore = heapUsed();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

        ExecutorService clientThreads = Executors.newFixedThreadPool(4);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads).build();
        AtomicBoolean polling = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        long pollsStarted = System.nanoTime();
        // The server's answers per half second (and the held gauge), to line up slow deliveries with what the
        // server was doing at the time.
        List<double[]> timeline = new CopyOnWriteArrayList<>(); // [nanos, held, changes, timeouts, snapshots]
        var sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> timeline.add(new double[] {System.nanoTime(), held(meters),
                answers(meters, "changes"), answers(meters, "timeout"), answers(meters, "snapshot")}),
                0, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
        for (Subscriber s : subscribers) {
            poll(http, port, env.secretKey(), s, polling, failures);
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        // Writes start only once every client has its snapshot and the server holds a live poll for each. The
        // gauge alone is not enough: a snapshot request waiting for its initial read is held (and counted) too.
        while ((subscribers.stream().anyMatch(s -> !s.snapshotted) || held(meters) < SUBSCRIBERS)
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        int heldNow = (int) held(meters);
        if (heldNow < SUBSCRIBERS) {
            System.out.printf("delay %d ms: only %d of %d polls held after 10 minutes%n", delayMs, heldNow,
                    SUBSCRIBERS);
        }
        System.out.printf("delay %d ms: %d polls held %d ms after the first snapshot request%n", delayMs, heldNow,
                (System.nanoTime() - pollsStarted) / 1_000_000);
        System.gc();
        Thread.sleep(500);
        long heapHeld = heapUsed();
        int threadsHeld = ManagementFactory.getThreadMXBean().getThreadCount();

        RunMetadataUpdater updater = app.getBean(RunMetadataUpdater.class);
        Map<String, List<long[]>> commits = new ConcurrentHashMap<>();
        Map<String, Integer> seqs = new ConcurrentHashMap<>();
        long periodNanos = 1_000_000_000L / WRITES_PER_SECOND;
        long start = System.nanoTime();
        long end = start + CELL.toNanos();
        int writes = 0;
        for (long next = start; next < end; next += periodNanos) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            // Spread over all runs: each write wakes exactly one held poll among the thousand.
            Subscriber s = subscribers.get((int) ((writes * 7919L) % SUBSCRIBERS));
            int seq = seqs.merge(s.run.friendlyId(), 1, Integer::sum);
            JsonNode body = JSON.readTree("{\"metadata\":{\"seq\":" + seq + "}}");
            updater.update(env.environment(), s.run.friendlyId(), body);
            commits.computeIfAbsent(s.run.friendlyId(), k -> new CopyOnWriteArrayList<>())
                    .add(new long[] {seq, System.nanoTime()});
            writes++;
        }
        Thread.sleep(3000 + delayMs);
        polling.set(false);
        sampler.shutdownNow();

        List<Long> latencies = new ArrayList<>();
        int lost = 0;
        for (Subscriber s : subscribers) {
            for (long[] commit : commits.getOrDefault(s.run.friendlyId(), List.of())) {
                Long arrived = s.seen.stream().filter(seen -> seen[0] >= commit[0]).map(seen -> seen[1])
                        .min(Long::compare).orElse(null);
                if (arrived == null) {
                    lost++;
                } else {
                    latencies.add(Math.max(0, arrived - commit[1]) / 1_000_000);
                }
            }
        }
        printTimeline(delayMs, pollsStarted, start, commits, subscribers, timeline);
        Collections.sort(latencies);
        clientThreads.shutdownNow();
        return String.format("%-9d %-11d %-9d %-12s %-12s %-8d %-8s %-8s %-8s %-6d %-8d", delayMs, SUBSCRIBERS,
                heldNow, mb(heapBefore) + " → " + mb(heapHeld), threadsBefore + " → " + threadsHeld, writes,
                pct(latencies, 0.50), pct(latencies, 0.99), latencies.isEmpty() ? "-" : latencies.get(latencies.size() - 1),
                lost, failures.get());
    }

    /**
     * Per second since the first snapshot request (from 5 s before the writes): writes committed in that second and the worst and median of
     * their commit → delivery latencies, next to the server's answers in that second by outcome and the held gauge.
     */
    private static void printTimeline(long delayMs, long pollsStarted, long writesStarted,
                                      Map<String, List<long[]>> commits, List<Subscriber> subscribers,
                                      List<double[]> timeline) {
        Map<Long, List<Long>> bySecond = new java.util.TreeMap<>();
        for (Subscriber s : subscribers) {
            for (long[] commit : commits.getOrDefault(s.run.friendlyId(), List.of())) {
                Long arrived = s.seen.stream().filter(seen -> seen[0] >= commit[0]).map(seen -> seen[1])
                        .min(Long::compare).orElse(null);
                long second = (commit[1] - pollsStarted) / 1_000_000_000L;
                bySecond.computeIfAbsent(second, k -> new ArrayList<>())
                        .add(arrived == null ? -1 : Math.max(0, arrived - commit[1]) / 1_000_000);
            }
        }
        System.out.printf("timeline, delay %d ms (s since the first snapshot request; writes from s=%d)%n", delayMs,
                (writesStarted - pollsStarted) / 1_000_000_000L);
        System.out.printf("%4s %7s %8s %8s %6s %8s %9s %9s%n", "s", "writes", "p50 ms", "max ms", "held",
                "changes", "timeouts", "snapshots");
        long lastSecond = timeline.isEmpty() ? 0
                : (long) ((timeline.get(timeline.size() - 1)[0] - pollsStarted) / 1e9);
        for (long second = Math.max(0, (writesStarted - pollsStarted) / 1_000_000_000L - 5); second <= lastSecond;
             second++) {
            double[] from = sampleAt(timeline, pollsStarted + second * 1_000_000_000L);
            double[] to = sampleAt(timeline, pollsStarted + (second + 1) * 1_000_000_000L);
            List<Long> lat = new ArrayList<>(bySecond.getOrDefault(second, List.of()));
            Collections.sort(lat);
            System.out.printf("%4d %7d %8s %8s %6.0f %8.0f %9.0f %9.0f%n", second, lat.size(), pct(lat, 0.5),
                    lat.isEmpty() ? "-" : lat.get(lat.size() - 1), to[1], to[2] - from[2], to[3] - from[3],
                    to[4] - from[4]);
        }
    }

    /** The last sample taken at or before {@code nanos}. */
    private static double[] sampleAt(List<double[]> timeline, long nanos) {
        double[] found = timeline.get(0);
        for (double[] sample : timeline) {
            if (sample[0] <= nanos) {
                found = sample;
            }
        }
        return found;
    }

    /** Snapshot, then live polls for ever, like the SDK's shape stream; records each seq with its arrival. */
    private static void poll(HttpClient http, int port, String key, Subscriber s, AtomicBoolean polling,
                             AtomicInteger failures) {
        if (!polling.get()) {
            return;
        }
        String query = "-1".equals(s.offset) ? "?offset=-1"
                : "?offset=" + s.offset + "&handle=" + s.handle + "&live=true";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + s.path + query))
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(90)).GET().build();
        CompletableFuture<HttpResponse<String>> answer = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        answer.whenComplete((response, error) -> {
            long at = System.nanoTime();
            if (error == null && response.statusCode() == 409) {
                // must-refetch: start over with a snapshot, as the client does.
                s.offset = "-1";
                s.handle = null;
                s.snapshotted = false;
                poll(http, port, key, s, polling, failures);
                return;
            }
            if (error != null || response.statusCode() != 200) {
                // The client retries (429 and 503 carry Retry-After); counted, since a retry delays deliveries.
                failures.incrementAndGet();
                CompletableFuture.delayedExecutor(1, java.util.concurrent.TimeUnit.SECONDS)
                        .execute(() -> poll(http, port, key, s, polling, failures));
                return;
            }
            s.snapshotted = true;
            s.handle = response.headers().firstValue("electric-handle").orElse(s.handle);
            s.offset = response.headers().firstValue("electric-offset").orElse(s.offset);
            for (JsonNode message : JSON.readTree(response.body())) {
                JsonNode metadata = message.path("value").path("metadata");
                if (metadata.isString()) {
                    s.seen.add(new long[] {JSON.readTree(metadata.asString()).path("seq").asInt(), at});
                }
            }
            poll(http, port, key, s, polling, failures);
        });
    }

    private static double held(MeterRegistry meters) {
        double value = meters.get("realtime.shape.held").gauge().value();
        if (Double.isNaN(value)) {
            throw new IllegalStateException("realtime.shape.held reads NaN: the gauge lost its state object");
        }
        return value;
    }

    private static double answers(MeterRegistry meters, String outcome) {
        var counter = meters.find("realtime.shape.answers").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static String mb(long bytes) {
        return Long.toString(bytes / (1024 * 1024));
    }

    private static String pct(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return "-";
        }
        return Long.toString(sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)));
    }
}
