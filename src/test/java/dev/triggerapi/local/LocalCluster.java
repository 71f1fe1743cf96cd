package dev.triggerapi.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.attribute.PosixFilePermissions;

import dev.triggerapi.environment.CredentialProperties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded development and test cluster: a PostgreSQL primary, its streaming replica and a Redis server,
 * all real processes on loopback ports. One per JVM ({@link #shared}), stopped when the JVM exits; a watchdog
 * process stops it too if the JVM dies without running its shutdown hooks, so no server is ever orphaned.
 */
public final class LocalCluster {

    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    private static LocalCluster shared;

    private final EmbeddedPostgresCluster postgres;
    private final EmbeddedRedis redis;
    private final Path workDir;
    private final boolean temporary;
    private Duration applyDelay;
    private volatile boolean stopped;
    private String secretKeyEncryptionKey;
    private boolean secretKeyEncryptionKeyGenerated;

    private LocalCluster(EmbeddedPostgresCluster postgres, EmbeddedRedis redis, Path workDir, boolean temporary,
                         Duration applyDelay) {
        this.postgres = postgres;
        this.redis = redis;
        this.workDir = workDir;
        this.temporary = temporary;
        this.applyDelay = applyDelay;
    }

    /** Starts the JVM-wide cluster on first call; later calls return the running one. */
    public static synchronized LocalCluster shared(LocalClusterProperties settings) {
        if (shared == null) {
            shared = start(settings);
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "local-cluster-shutdown"));
        }
        return shared;
    }

    /** The running JVM-wide cluster, or {@code null} when none was started. */
    public static synchronized LocalCluster sharedIfRunning() {
        return shared;
    }

    private static LocalCluster start(LocalClusterProperties settings) {
        long started = System.nanoTime();
        ServerProcesses processes = new ServerProcesses();
        Path pgHome = PostgresBinaries.install(PostgresBinaries.cacheRoot());
        boolean temporary = settings.dataDir() == null || settings.dataDir().isBlank();
        Path workDir;
        try {
            workDir = temporary ? Files.createTempDirectory("trigger-api-local-") : Path.of(settings.dataDir()).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        processes.ownedDirectory(workDir);
        EmbeddedPostgresCluster pg = new EmbeddedPostgresCluster(processes, pgHome, workDir.resolve("postgres"),
                freePort(), freePort(), settings.replica());
        EmbeddedRedis redis = settings.redis() ? new EmbeddedRedis(freePort(), workDir) : null;
        LocalCluster cluster = new LocalCluster(pg, redis, workDir, temporary, settings.replicaApplyDelay());
        cluster.startWatchdog(processes);
        try {
            pg.start(settings.replicaApplyDelay());
            if (redis != null) {
                redis.start();
            }
        } catch (RuntimeException e) {
            cluster.stop();
            throw e;
        }
        log.info("Local cluster up in {} ms: primary 127.0.0.1:{}, replica {}, redis {} (data in {})",
                (System.nanoTime() - started) / 1_000_000, pg.primaryPort(),
                settings.replica() ? "127.0.0.1:" + pg.replicaPort() : "off",
                redis != null ? "127.0.0.1:" + redis.port() : "off", workDir);
        return cluster;
    }

    /**
     * A detached shell that waits for this JVM to disappear and then stops every server, covering a
     * {@code kill -9} of the JVM, where shutdown hooks never run.
     */
    private void startWatchdog(ServerProcesses processes) {
        List<String> stops = new ArrayList<>();
        stops.add(String.join(" ", processes.command(postgres.bin("pg_ctl"), "-D", quote(postgres.primaryDir()), "-m", "immediate", "stop")));
        if (postgres.hasReplica()) {
            stops.add(String.join(" ", processes.command(postgres.bin("pg_ctl"), "-D", quote(postgres.replicaDir()), "-m", "immediate", "stop")));
        }
        if (redis != null) {
            stops.add("[ -f " + quote(redis.pidFile()) + " ] && kill -9 $(cat " + quote(redis.pidFile()) + ")");
        }
        String cleanup = String.join(" >/dev/null 2>&1; ", stops) + " >/dev/null 2>&1"
                + (temporary ? "; rm -rf " + quote(workDir) : "");
        if (!ServerProcesses.afterJvmExit(cleanup)) {
            log.warn("Could not start the local-cluster watchdog; a killed JVM may leave servers running");
        }
    }

    private static String quote(Path p) {
        return ServerProcesses.quote(p);
    }

    /** Stops every server; safe to call more than once. */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (redis != null) {
            try {
                redis.stop();
            } catch (RuntimeException e) {
                log.warn("Stopping the local Redis failed: {}", e.getMessage());
            }
        }
        postgres.stop();
        if (temporary) {
            PostgresBinaries.deleteTree(workDir);
        }
    }

    public String writerJdbcUrl() {
        return EmbeddedPostgresCluster.jdbcUrl(postgres.primaryPort(), EmbeddedPostgresCluster.DATABASE);
    }

    /**
     * The key-encryption key for secret keys stored in this cluster, when none is configured: generated on first
     * use and, with a data directory, kept in {@code <data dir>/secret-key-encryption-key} (mode 600) so keys
     * issued on an earlier run still decrypt. One per cluster, so every context of this JVM shares it.
     */
    public synchronized String secretKeyEncryptionKey() {
        if (secretKeyEncryptionKey == null) {
            Path file = workDir.resolve("secret-key-encryption-key");
            try {
                if (!temporary && Files.exists(file)) {
                    secretKeyEncryptionKey = Files.readString(file).trim();
                } else {
                    secretKeyEncryptionKey = CredentialProperties.generateEncryptionKey();
                    secretKeyEncryptionKeyGenerated = true;
                    if (!temporary) {
                        Files.writeString(file, secretKeyEncryptionKey + "\n");
                        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot keep the local secret-key encryption key in " + file, e);
            }
        }
        return secretKeyEncryptionKey;
    }

    /** True when {@link #secretKeyEncryptionKey()} made a new key (rather than reading a kept one). */
    public synchronized boolean secretKeyEncryptionKeyGenerated() {
        return secretKeyEncryptionKeyGenerated;
    }

    /** Where a generated key-encryption key is kept, or {@code null} when it lives only as long as the cluster. */
    public Path secretKeyEncryptionKeyFile() {
        return temporary ? null : workDir.resolve("secret-key-encryption-key");
    }

    /** The replica's JDBC URL, or {@code null} when the cluster runs without one. */
    public String replicaJdbcUrl() {
        return postgres.hasReplica() ? EmbeddedPostgresCluster.jdbcUrl(postgres.replicaPort(), EmbeddedPostgresCluster.DATABASE) : null;
    }

    public String username() {
        return EmbeddedPostgresCluster.USER;
    }

    public boolean hasRedis() {
        return redis != null;
    }

    public int redisPort() {
        return redis == null ? -1 : redis.port();
    }

    public int primaryPort() {
        return postgres.primaryPort();
    }

    public int replicaPort() {
        return postgres.replicaPort();
    }

    /** Makes the replica lag: commits become visible there only after {@code delay}. */
    public synchronized void setReplicaApplyDelay(Duration delay) {
        postgres.setApplyDelay(delay);
        this.applyDelay = delay;
    }

    public synchronized Duration replicaApplyDelay() {
        return applyDelay;
    }

    /** Stops the replica process (fault injection). */
    public void stopReplica() {
        postgres.stopReplica();
    }

    /** Starts a replica stopped by {@link #stopReplica()}. */
    public void startReplica() {
        postgres.startReplica();
    }

    /** {@code pg_ctl restart} of the primary (fault injection). */
    public void restartPrimary() {
        postgres.restartPrimary();
    }

    /** Stops the primary ({@code pg_ctl stop -m fast}, fault injection); {@link #startPrimary()} brings it back. */
    public void stopPrimary() {
        postgres.stopPrimary();
    }

    /** Starts a primary stopped by {@link #stopPrimary()} and returns once it accepts connections. */
    public void startPrimary() {
        postgres.startPrimary();
    }

    public void stopRedis() {
        redis.stop();
    }

    public void startRedis() {
        redis.start();
    }

    public boolean isRedisRunning() {
        return redis != null && redis.isRunning();
    }

    /** PID files of the servers this cluster started (used to prove none outlives the JVM). */
    public List<Path> pidFiles() {
        List<Path> files = new ArrayList<>(List.of(postgres.primaryDir().resolve("postmaster.pid")));
        if (postgres.hasReplica()) {
            files.add(postgres.replicaDir().resolve("postmaster.pid"));
        }
        if (redis != null) {
            files.add(redis.pidFile());
        }
        return files;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port", e);
        }
    }
}
