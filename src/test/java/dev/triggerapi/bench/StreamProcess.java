package dev.triggerapi.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.environment.CredentialProperties;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The runs replication as a process of its own, as a deployment runs it at high write rates (README, "Runs
 * replication to ClickHouse", <i>Where the stream runs</i>): the service on this classpath, started against the
 * servers of the benchmark's service (its {@code Environment} says where they are) with
 * {@code RUN_REPLICATION_STREAM_ENABLED} on, while the benchmark's service runs with it off. It runs in a session of its own ({@code setsid}), so that with the
 * kernel's autogroup scheduling it gets its own CPU share, as in a container of its own. Its figures are read from
 * its Prometheus endpoint and {@code /proc} ({@link ReplicationReadings}); its log goes to
 * {@code target/stream-process.log}.
 */
final class StreamProcess implements ReplicationReadings, AutoCloseable {

    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(?:\\{([^}]*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final Process process;
    private final URI metrics;
    private final JdbcClient writer;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Thread onExit;

    private StreamProcess(Process process, int port, JdbcClient writer, Path log) {
        this.process = process;
        this.metrics = URI.create("http://127.0.0.1:" + port + "/actuator/prometheus");
        this.writer = writer;
        this.log = log;
        this.onExit = new Thread(process::destroy, "stream-process-stop");
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /**
     * Starts the process and waits until it leads the stream.
     *
     * @param service    the benchmark's service, whose servers the process uses
     * @param port       the process's HTTP port (actuator only: nothing sends it requests)
     * @param springArgs more Spring arguments, e.g. the replication settings under test
     */
    static StreamProcess start(Environment service, int port, JdbcClient writer, List<String> springArgs)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            command.add("/usr/bin/setsid");
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+ExitOnOutOfMemoryError", "-cp", classpath(), TriggerApiApplication.class.getName()));
        command.addAll(List.of("--trigger-api.local-cluster.enabled=false", "--server.address=127.0.0.1",
                "--server.port=" + port, "--trigger-api.replication.stream-enabled=true",
                "--trigger-api.run-engine.sweeper-enabled=false", "--trigger-api.schedules.scheduler-enabled=false",
                "--spring.datasource.hikari.maximum-pool-size=4", "--trigger-api.datasource.replica.maximum-pool-size=2",
                "--logging.level.root=WARN", "--logging.level.dev.triggerapi=INFO"));
        for (String key : List.of("spring.datasource.url", "spring.datasource.username", "spring.datasource.password",
                "trigger-api.datasource.replica.url", "trigger-api.datasource.replica.username",
                "trigger-api.datasource.replica.password", "spring.data.redis.host", "spring.data.redis.port",
                "trigger-api.replication.clickhouse.url", "trigger-api.replication.clickhouse.database",
                CredentialProperties.ENCRYPTION_KEY_PROPERTY)) {
            String value = service.getProperty(key);
            if (value != null) {
                command.add("--" + key + "=" + value);
            }
        }
        command.addAll(ReplicationLagByMinute.SPRING_ARGS);
        command.addAll(springArgs);
        Path log = Path.of("target", "stream-process.log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        StreamProcess stream = new StreamProcess(process, port, writer, log);
        stream.awaitLeading(true, Duration.ofMinutes(2));
        return stream;
    }

    /** The test classpath: under {@code mvn exec:java} it is the plugin's class loader's, not the JVM's. */
    private static String classpath() {
        if (StreamProcess.class.getClassLoader() instanceof URLClassLoader loader && loader.getURLs().length > 0) {
            List<String> entries = new ArrayList<>();
            for (URL url : loader.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException e) {
                    throw new IllegalStateException(e);
                }
            }
            return String.join(File.pathSeparator, entries);
        }
        return System.getProperty("java.class.path");
    }

    /** Waits until the process leads the stream ({@code true}) or has stopped leading it. */
    void awaitLeading(boolean leading, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The replication process exited (" + process.exitValue() + "); its log: "
                        + log);
            }
            try {
                Double leader = scrape().get("runs_replication_leader");
                if (leader != null && (leader == 1) == leading) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("The replication process did not " + (leading ? "lead" : "stop leading")
                + " the stream within " + timeout + "; its log: " + log);
    }

    /** The process's pid (its CPU is read from {@code /proc}). */
    long pid() {
        return process.pid();
    }

    /**
     * Every sample of the Prometheus endpoint, keyed by name plus the labels that tell a meter's series apart
     * ({@code le}, {@code stage}, {@code success}), e.g. {@code runs_replication_lag_ms_bucket le=50.0}.
     */
    private Map<String, Double> scrape() throws IOException {
        String body;
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode() + " from " + metrics);
            }
            body = response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (line.startsWith("#") || !m.matches()) {
                continue;
            }
            StringBuilder key = new StringBuilder(m.group(1));
            if (m.group(2) != null) {
                Matcher label = LABEL.matcher(m.group(2));
                while (label.find()) {
                    if (List.of("le", "stage", "success").contains(label.group(1))) {
                        key.append(' ').append(label.group(1)).append('=').append(label.group(2));
                    }
                }
            }
            out.put(key.toString(), Double.parseDouble(m.group(3)));
        }
        return out;
    }

    private Map<String, Double> scrapeOrFail() {
        try {
            return scrape();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the replication process's metrics (log: " + log + ")", e);
        }
    }

    @Override
    public long[] lagCounts(String meter, long[] boundsMs) {
        Map<String, Double> samples = scrapeOrFail();
        String name = meter.replace('.', '_');
        long[] out = new long[boundsMs.length + 1];
        for (int i = 0; i < boundsMs.length; i++) {
            out[i] = samples.getOrDefault(name + "_bucket le=" + (double) boundsMs[i], 0.0).longValue();
        }
        out[boundsMs.length] = samples.getOrDefault(name + "_count", 0.0).longValue();
        return out;
    }

    @Override
    public Map<String, double[]> stages() {
        Map<String, Double> samples = scrapeOrFail();
        Map<String, double[]> out = new LinkedHashMap<>();
        String prefix = "runs_replication_stage_seconds_count stage=";
        samples.forEach((key, count) -> {
            if (key.startsWith(prefix)) {
                String stage = key.substring(prefix.length());
                out.put(stage, new double[] {count,
                        samples.getOrDefault("runs_replication_stage_seconds_sum stage=" + stage, 0.0)});
            }
        });
        return out;
    }

    @Override
    public Map<String, Long> cpu() {
        return ReplicationProbe.cpuOfProcess(process.pid(), writer);
    }

    @Override
    public double batchesFlushed() {
        return scrapeOrFail().getOrDefault("runs_replication_batches_flushed_total success=true", 0.0);
    }

    @Override
    public double rowsFlushed() {
        return scrapeOrFail().getOrDefault("runs_replication_rows_flushed_total", 0.0);
    }

    /** Stops the process (SIGTERM: the service shuts down gracefully and releases the leader lock). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }
}
