package dev.triggerapi.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real ClickHouse server for development and tests, started from the installed binary
 * ({@code apt-get install clickhouse-server}) with a generated config on free loopback ports, all its files in
 * one temp directory. One per JVM ({@link #shared()}), stopped when the JVM exits; a detached watchdog kills
 * it too if the JVM dies without running its shutdown hooks. {@link #stop()} / {@link #start()} take it down
 * and bring it back on the same ports with the same data (fault injection).
 */
public final class LocalClickHouse {

    private static final Logger log = LoggerFactory.getLogger(LocalClickHouse.class);
    private static final List<String> SERVER_BINARIES = List.of("/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server");
    private static final List<String> MULTI_BINARIES = List.of("/usr/bin/clickhouse", "/usr/local/bin/clickhouse");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static LocalClickHouse shared;

    private final List<String> serverCommand;
    private final Path dir;
    private final int httpPort;
    private final int tcpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private Process process;
    private boolean destroyed;

    private LocalClickHouse(List<String> serverCommand, Path dir, int httpPort, int tcpPort) {
        this.serverCommand = serverCommand;
        this.dir = dir;
        this.httpPort = httpPort;
        this.tcpPort = tcpPort;
    }

    /**
     * The command that starts a server, if ClickHouse is installed: {@code clickhouse-server} (Debian's
     * package) or the single {@code clickhouse} binary of current releases ({@code clickhouse server}).
     */
    public static Optional<List<String>> serverCommand() {
        for (String candidate : SERVER_BINARIES) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Optional.of(List.of(candidate));
            }
        }
        Optional<Path> onPath = ServerProcesses.onPath("clickhouse-server");
        if (onPath.isPresent()) {
            return Optional.of(List.of(onPath.get().toString()));
        }
        for (String candidate : MULTI_BINARIES) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Optional.of(List.of(candidate, "server"));
            }
        }
        return ServerProcesses.onPath("clickhouse").map(p -> List.of(p.toString(), "server"));
    }

    /** Starts the JVM-wide server on first call; later calls return the running one. */
    public static synchronized LocalClickHouse shared() {
        if (shared == null) {
            List<String> command = serverCommand().orElseThrow(() -> new IllegalStateException(
                    "ClickHouse is not installed: install it (apt-get install clickhouse-server) or set CLICKHOUSE_URL"));
            Path dir;
            try {
                dir = Files.createTempDirectory("trigger-api-clickhouse-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            LocalClickHouse server = new LocalClickHouse(command, dir, LocalCluster.freePort(), LocalCluster.freePort());
            server.writeConfig();
            server.startWatchdog();
            Runtime.getRuntime().addShutdownHook(new Thread(server::destroy, "local-clickhouse-shutdown"));
            server.start();
            shared = server;
        }
        return shared;
    }

    /** The running JVM-wide server, or {@code null} when none was started. */
    public static synchronized LocalClickHouse sharedIfRunning() {
        return shared;
    }

    /** The HTTP interface, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** Starts the server (again) and waits until it answers {@code /ping}. */
    public synchronized void start() {
        if (destroyed) {
            throw new IllegalStateException("The local ClickHouse was shut down with the JVM");
        }
        if (process != null && process.isAlive()) {
            return;
        }
        long started = System.nanoTime();
        List<String> command = new ArrayList<>(ServerProcesses.ownSession());
        command.addAll(serverCommand);
        command.add("--config-file=" + dir.resolve("config.xml"));
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("log").resolve("stdout.log").toFile())
                    .start();
            Files.writeString(dir.resolve("clickhouse.pid"), Long.toString(process.pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + String.join(" ", command), e);
        }
        awaitReady();
        log.info("Local ClickHouse up in {} ms at {} (data in {})", (System.nanoTime() - started) / 1_000_000, url(), dir);
    }

    /** Stops the server, keeping its data (it can be {@link #start() started} again). */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
        try {
            // A stale pid must never reach the watchdog: the number may belong to another process by then.
            Files.deleteIfExists(dir.resolve("clickhouse.pid"));
        } catch (IOException e) {
            log.debug("Cannot delete the local ClickHouse pid file: {}", e.getMessage());
        }
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The server's process id, or -1 when it is not running. */
    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    private synchronized void destroy() {
        stop();
        destroyed = true;
        PostgresBinaries.deleteTree(dir);
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        HttpRequest ping = HttpRequest.newBuilder(URI.create(url() + "/ping")).timeout(Duration.ofSeconds(1)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The local ClickHouse exited at start (code " + process.exitValue()
                        + "): " + tail(dir.resolve("log").resolve("clickhouse-server.err.log"))
                        + tail(dir.resolve("log").resolve("stdout.log")));
            }
            try {
                HttpResponse<String> response = http.send(ping, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the local ClickHouse", e);
            }
            EmbeddedPostgresCluster.sleep(50);
        }
        throw new IllegalStateException("The local ClickHouse did not answer /ping within " + READY_TIMEOUT.toSeconds()
                + " s; see " + dir.resolve("log"));
    }

    private void writeConfig() {
        try {
            for (String sub : List.of("data", "tmp", "user_files", "format_schemas", "log")) {
                Files.createDirectories(dir.resolve(sub));
            }
            Files.writeString(dir.resolve("config.xml"), template("config.xml")
                    .replace("${dir}", dir.toString())
                    .replace("${httpPort}", Integer.toString(httpPort))
                    .replace("${tcpPort}", Integer.toString(tcpPort)));
            Files.writeString(dir.resolve("users.xml"), template("users.xml"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the local ClickHouse config in " + dir, e);
        }
    }

    private static String template(String name) throws IOException {
        try (InputStream in = LocalClickHouse.class.getResourceAsStream("/local/clickhouse/" + name)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource /local/clickhouse/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Kills the server (whatever its current pid) and deletes its directory once this JVM is gone. */
    private void startWatchdog() {
        String pidFile = ServerProcesses.quote(dir.resolve("clickhouse.pid"));
        if (!ServerProcesses.afterJvmExit("[ -f " + pidFile + " ] && kill -9 $(cat " + pidFile + ") >/dev/null 2>&1; "
                + "rm -rf " + ServerProcesses.quote(dir))) {
            log.warn("Could not start the local ClickHouse watchdog; a killed JVM may leave it running");
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
