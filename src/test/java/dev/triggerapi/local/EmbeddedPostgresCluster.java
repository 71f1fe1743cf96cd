package dev.triggerapi.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL primary plus a physical streaming replica, started from the Maven-shipped binaries.
 *
 * <p>The replica is a cold copy of the stopped primary that follows it through a physical replication
 * slot. {@code recovery_min_apply_delay} on the replica makes it lag on purpose: that is the knob tests
 * turn to prove that nothing treats a lagging replica as the truth.
 */
final class EmbeddedPostgresCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresCluster.class);
    static final String USER = "postgres";
    static final String DATABASE = "postgres";
    private static final String SLOT = "local_replica";
    private static final String LOCAL_CONF = "trigger-api-local.conf";

    private final ServerProcesses processes;
    private final Path pgHome;
    private final Path primaryDir;
    private final Path replicaDir;
    private final int primaryPort;
    private final int replicaPort;
    private final boolean withReplica;

    EmbeddedPostgresCluster(ServerProcesses processes, Path pgHome, Path dataRoot, int primaryPort, int replicaPort,
                            boolean withReplica) {
        this.processes = processes;
        this.pgHome = pgHome;
        this.primaryDir = dataRoot.resolve("primary");
        this.replicaDir = dataRoot.resolve("replica");
        this.primaryPort = primaryPort;
        this.replicaPort = replicaPort;
        this.withReplica = withReplica;
    }

    /** Initialises the data directories when new, then starts replica and primary and waits for streaming. */
    void start(Duration applyDelay) {
        boolean fresh = !Files.exists(primaryDir.resolve("PG_VERSION"));
        if (fresh) {
            initPrimary();
        }
        writeLocalConf(primaryDir, primaryPort, "");
        if (withReplica && (fresh || !Files.exists(replicaDir.resolve("PG_VERSION")))) {
            cloneReplica();
        }
        if (withReplica) {
            writeLocalConf(replicaDir, replicaPort,
                    "primary_conninfo = 'host=127.0.0.1 port=" + primaryPort + " user=" + USER + " application_name=local_replica'\n"
                    + "primary_slot_name = '" + SLOT + "'\n"
                    + "wal_retrieve_retry_interval = '50ms'\n"
                    + "recovery_min_apply_delay = '" + applyDelay.toMillis() + "ms'\n");
            pgCtlStart(replicaDir);
        }
        pgCtlStart(primaryDir);
        if (withReplica) {
            // A restarted replica keeps the ALTER SYSTEM value of an earlier run; the start value wins.
            setApplyDelay(applyDelay);
            awaitStreaming(Duration.ofSeconds(30));
        }
    }

    private void initPrimary() {
        processes.ownedDirectory(primaryDir.getParent());
        processes.ownedDirectory(primaryDir);
        processes.run(120, bin("initdb"), "-D", primaryDir.toString(), "-U", USER, "-A", "trust", "-E", "UTF8",
                "--locale=C", "--no-sync", "--no-instructions");
        try {
            Files.writeString(primaryDir.resolve("postgresql.conf"), "\ninclude_if_exists = '" + LOCAL_CONF + "'\n",
                    java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(primaryDir.resolve("pg_hba.conf"),
                    "\nhost replication all 127.0.0.1/32 trust\n", java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (withReplica) {
            writeLocalConf(primaryDir, primaryPort, "");
            pgCtlStart(primaryDir);
            execute(primaryPort, "SELECT pg_create_physical_replication_slot('" + SLOT + "', true)");
            pgCtlStop(primaryDir, "fast");
        }
    }

    /** Cold copy of the stopped primary: same system identifier, so it can stream from the slot. */
    private void cloneReplica() {
        PostgresBinaries.deleteTree(replicaDir);
        try (var paths = Files.walk(primaryDir)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path rel = primaryDir.relativize(source);
                if (rel.toString().equals("postmaster.pid") || (rel.startsWith("pg_replslot") && rel.getNameCount() > 1)) {
                    continue;
                }
                Path target = replicaDir.resolve(rel);
                if (Files.isDirectory(source)) {
                    processes.ownedDirectory(target);
                    Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(source));
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                    Files.setAttribute(target, "unix:uid", Files.getAttribute(source, "unix:uid"));
                    Files.setAttribute(target, "unix:gid", Files.getAttribute(source, "unix:gid"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot clone the primary into a replica", e);
        }
        processes.writeOwned(replicaDir.resolve("standby.signal"), "");
    }

    private void writeLocalConf(Path dataDir, int port, String extra) {
        processes.writeOwned(dataDir.resolve(LOCAL_CONF), """
                listen_addresses = '127.0.0.1'
                port = %d
                unix_socket_directories = ''
                wal_level = logical
                max_wal_senders = 16
                max_replication_slots = 16
                hot_standby = on
                hot_standby_feedback = on
                max_connections = 200
                fsync = off
                synchronous_commit = off
                wal_writer_delay = '10ms'
                full_page_writes = off
                shared_buffers = '128MB'
                logging_collector = off
                """.formatted(port) + extra);
    }

    private void pgCtlStart(Path dataDir) {
        processes.run(60, bin("pg_ctl"), "-D", dataDir.toString(), "-l", dataDir.resolveSibling(dataDir.getFileName() + ".log").toString(),
                "-w", "-t", "60", "start");
    }

    private void pgCtlStop(Path dataDir, String mode) {
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            processes.run(60, bin("pg_ctl"), "-D", dataDir.toString(), "-m", mode, "-w", "stop");
        }
    }

    void stopReplica() {
        pgCtlStop(replicaDir, "fast");
    }

    void startReplica() {
        pgCtlStart(replicaDir);
    }

    void restartPrimary() {
        processes.run(60, bin("pg_ctl"), "-D", primaryDir.toString(), "-l", primaryDir.resolveSibling("primary.log").toString(),
                "-m", "fast", "-w", "restart");
    }

    void stopPrimary() {
        pgCtlStop(primaryDir, "fast");
    }

    void startPrimary() {
        pgCtlStart(primaryDir);
    }

    /** Changes the replica's apply delay at runtime ({@code ALTER SYSTEM} + reload on the standby). */
    void setApplyDelay(Duration delay) {
        execute(replicaPort, "ALTER SYSTEM SET recovery_min_apply_delay = '" + delay.toMillis() + "ms'");
        execute(replicaPort, "SELECT pg_reload_conf()");
        if (delay.toMillis() >= MIN_PROBED_DELAY_MS) {
            awaitDelayInForce(delay);
        }
    }

    private static final long MIN_PROBED_DELAY_MS = 100;

    /**
     * The standby's startup process picks up a reload asynchronously, so a commit made right after
     * {@code pg_reload_conf()} can still be applied at once. Commit probes until one stays invisible on the
     * standby for a moment: from then on the delay is in force.
     */
    private void awaitDelayInForce(Duration delay) {
        try (Connection primary = connect(primaryPort); Connection replica = connect(replicaPort);
             Statement p = primary.createStatement(); Statement r = replica.createStatement()) {
            p.execute("SET synchronous_commit = on");
            // Its own schema: the application's schema (public) must stay empty until Flyway creates it.
            p.execute("CREATE SCHEMA IF NOT EXISTS local_cluster");
            p.execute("CREATE TABLE IF NOT EXISTS local_cluster.lag_probe (id bigserial PRIMARY KEY)");
            for (int attempt = 0; attempt < 50; attempt++) {
                long id;
                try (ResultSet rs = p.executeQuery("INSERT INTO local_cluster.lag_probe DEFAULT VALUES RETURNING id")) {
                    rs.next();
                    id = rs.getLong(1);
                }
                sleep(Math.min(50, delay.toMillis() / 2));
                try (ResultSet rs = r.executeQuery("SELECT count(*) FROM local_cluster.lag_probe WHERE id = " + id)) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return;
                    }
                } catch (SQLException e) {
                    if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) {
                        return; // the probe table's own creation is still held back: the delay is in force
                    }
                    throw e;
                }
            }
            log.warn("The replica's apply delay of {} ms did not take effect within 50 probes", delay.toMillis());
        } catch (SQLException e) {
            throw new IllegalStateException("Could not confirm the replica's apply delay", e);
        }
    }

    private void awaitStreaming(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = connect(primaryPort); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            } catch (SQLException e) {
                log.debug("Waiting for the replica to stream: {}", e.getMessage());
            }
            sleep(50);
        }
        throw new IllegalStateException("The local replica did not start streaming within " + timeout.toSeconds()
                + " s; see " + replicaDir.resolveSibling("replica.log"));
    }

    void stop() {
        // Primary first, fast: the replica would otherwise keep reconnecting during shutdown.
        try {
            pgCtlStop(primaryDir, "fast");
        } catch (RuntimeException e) {
            log.warn("Stopping the local primary failed: {}", e.getMessage());
        }
        if (withReplica) {
            try {
                pgCtlStop(replicaDir, "immediate");
            } catch (RuntimeException e) {
                log.warn("Stopping the local replica failed: {}", e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    String bin(String name) {
        return pgHome.resolve("bin").resolve(name).toString();
    }

    Path primaryDir() {
        return primaryDir;
    }

    Path replicaDir() {
        return replicaDir;
    }

    int primaryPort() {
        return primaryPort;
    }

    int replicaPort() {
        return replicaPort;
    }

    boolean hasReplica() {
        return withReplica;
    }

    static String jdbcUrl(int port, String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(port, DATABASE), USER, "");
    }

    static void execute(int port, String sql) {
        try (Connection c = connect(port); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Local cluster statement failed on port " + port + ": " + sql, e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
