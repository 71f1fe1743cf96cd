package dev.triggerapi.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;

import dev.triggerapi.environment.CredentialProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The container fixture: the same cluster as the embedded one (PostgreSQL primary + physical streaming replica
 * with a settable {@code recovery_min_apply_delay}, Redis, ClickHouse), as Docker containers. Selected with
 * {@code -Dtrigger-api.test.fixture=containers} (or {@code TRIGGER_API_TEST_FIXTURE=containers}); then
 * {@link ContainerClusterEnvironmentPostProcessor} points every Spring context at it instead of starting the
 * embedded cluster, so a test does not care which fixture it got.
 *
 * <p>Image names come from {@code POSTGRES_IMAGE}, {@code REDIS_IMAGE} and {@code CLICKHOUSE_IMAGE} (system
 * property or environment variable, the names docker-compose.yml uses), official images by default; machines
 * without registry access use the local stand-ins of {@code src/test/docker/build-images.sh}. One cluster per
 * JVM, stopped by a shutdown hook, so it also works with Testcontainers' Ryuk disabled.
 */
public final class ContainerCluster {

    /** System property (or, upper-cased with underscores, environment variable) that selects the fixture. */
    public static final String FIXTURE_PROPERTY = "trigger-api.test.fixture";

    private static final Logger log = LoggerFactory.getLogger(ContainerCluster.class);
    private static final String USER = "postgres";
    private static final String PASSWORD = "postgres";
    private static final Duration PROBE_WAIT = Duration.ofMillis(50);
    /** Creating a container copies its image on Docker's vfs driver; on a busy machine that takes minutes. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(5);
    private static ContainerCluster shared;

    private final Network network = Network.newNetwork();
    private final PostgreSQLContainer primary;
    private final GenericContainer<?> replica;
    private final GenericContainer<?> redis;
    private GenericContainer<?> clickHouse;
    private Duration applyDelay = Duration.ZERO;
    /** Secret keys are stored encrypted: one key-encryption key for the cluster, so every context of this JVM shares it. */
    private final String secretKeyEncryptionKey = CredentialProperties.generateEncryptionKey();

    private ContainerCluster() {
        DockerImageName postgresImage = image("POSTGRES_IMAGE", "postgres:18");
        primary = new PostgreSQLContainer(postgresImage.asCompatibleSubstituteFor("postgres"))
                .withNetwork(network).withNetworkAliases("primary")
                .withDatabaseName("trigger").withUsername(USER).withPassword(PASSWORD)
                // The second line lets the replica connect for streaming replication.
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256\nhost replication all all scram-sha-256")
                .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_wal_senders=16",
                        "-c", "max_replication_slots=16", "-c", "hot_standby_feedback=on", "-c", "fsync=off")
                .withStartupTimeout(STARTUP_TIMEOUT);
        replica = new GenericContainer<>(postgresImage)
                .withNetwork(network).withNetworkAliases("replica").withExposedPorts(5432)
                .withEnv("PGPASSWORD", PASSWORD)
                .withCopyToContainer(MountableFile.forClasspathResource("containers/replica-entrypoint.sh", 0755),
                        "/replica-entrypoint.sh")
                .withCreateContainerCmdModifier(cmd -> cmd.withUser(USER).withEntrypoint("bash", "/replica-entrypoint.sh"))
                .waitingFor(Wait.forLogMessage(".*database system is ready to accept read-only connections.*", 1)
                        .withStartupTimeout(STARTUP_TIMEOUT));
        redis = new GenericContainer<>(image("REDIS_IMAGE", "redis:7"))
                .withExposedPorts(6379)
                .withCommand("redis-server", "--save", "", "--appendonly", "no")
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1).withStartupTimeout(STARTUP_TIMEOUT));
    }

    /** True when this JVM's tests run against containers instead of the embedded cluster. */
    public static boolean selected() {
        String value = System.getProperty(FIXTURE_PROPERTY, System.getenv("TRIGGER_API_TEST_FIXTURE"));
        return "containers".equalsIgnoreCase(value == null ? "" : value.trim());
    }

    /** True when a Docker engine answers (Testcontainers' own discovery: DOCKER_HOST, the default socket, ...). */
    public static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    /** Starts the JVM-wide cluster on first call; later calls return the running one. */
    public static synchronized ContainerCluster shared() {
        if (shared == null) {
            ContainerCluster cluster = new ContainerCluster();
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "container-cluster-shutdown"));
            cluster.start();
            shared = cluster;
        }
        return shared;
    }

    /** The running JVM-wide cluster, or {@code null} when none was started. */
    public static synchronized ContainerCluster sharedIfRunning() {
        return shared;
    }

    private void start() {
        long started = System.nanoTime();
        redis.start();
        primary.start();
        replica.start();
        awaitStreaming();
        log.info("Container cluster up in {} ms: primary {}, replica {}, redis {}:{} ({}, {})",
                (System.nanoTime() - started) / 1_000_000, writerJdbcUrl(), replicaJdbcUrl(), redisHost(), redisPort(),
                primary.getDockerImageName(), redis.getDockerImageName());
    }

    /** Stops every container and the network; safe to call more than once. */
    public synchronized void stop() {
        for (GenericContainer<?> container : new GenericContainer<?>[] {clickHouse, replica, primary, redis}) {
            if (container != null) {
                container.stop();
            }
        }
        network.close();
    }

    public String writerJdbcUrl() {
        return primary.getJdbcUrl();
    }

    public String replicaJdbcUrl() {
        return "jdbc:postgresql://" + replicaHostAndPort() + "/trigger";
    }

    /** The replica's published address as {@code host:port}. */
    public String replicaHostAndPort() {
        return replica.getHost() + ":" + replica.getMappedPort(5432);
    }

    public String username() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    /** The key-encryption key every context on this cluster uses (an external database requires one). */
    public String secretKeyEncryptionKey() {
        return secretKeyEncryptionKey;
    }

    public String redisHost() {
        return redis.getHost();
    }

    public int redisPort() {
        return redis.getMappedPort(6379);
    }

    /** ClickHouse's HTTP URL; the container starts on first call (only replication tests need it). */
    public synchronized String clickHouseUrl() {
        if (clickHouse == null) {
            GenericContainer<?> container = new GenericContainer<>(image("CLICKHOUSE_IMAGE", "clickhouse/clickhouse-server:24.8"))
                    .withExposedPorts(8123)
                    // The official image keeps its shipped default user (no password) with this.
                    .withEnv("CLICKHOUSE_SKIP_USER_SETUP", "1")
                    .waitingFor(Wait.forHttp("/ping").forPort(8123).forStatusCode(200).withStartupTimeout(STARTUP_TIMEOUT));
            container.start();
            clickHouse = container;
        }
        return "http://" + clickHouse.getHost() + ":" + clickHouse.getMappedPort(8123);
    }

    /**
     * Makes the replica lag: commits become visible there only after {@code delay}. Set with {@code ALTER SYSTEM} +
     * reload on the standby, which its startup process picks up asynchronously; for delays a probe can observe,
     * this returns only once a fresh commit is held back.
     */
    public synchronized void setReplicaApplyDelay(Duration delay) {
        try (Connection standby = DriverManager.getConnection(replicaJdbcUrl(), USER, PASSWORD);
             Statement s = standby.createStatement()) {
            s.execute("ALTER SYSTEM SET recovery_min_apply_delay = '" + delay.toMillis() + "ms'");
            s.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot set the replica's apply delay", e);
        }
        applyDelay = delay;
        if (delay.compareTo(PROBE_WAIT.multipliedBy(2)) > 0) {
            awaitCommitsHeldBack(delay);
        }
    }

    public synchronized Duration replicaApplyDelay() {
        return applyDelay;
    }

    /** Commits probes on the primary until one stays invisible on the replica for a moment. */
    private void awaitCommitsHeldBack(Duration delay) {
        try (Connection writer = DriverManager.getConnection(writerJdbcUrl(), USER, PASSWORD);
             Connection standby = DriverManager.getConnection(replicaJdbcUrl(), USER, PASSWORD);
             Statement w = writer.createStatement(); Statement r = standby.createStatement()) {
            // Outside the application's schema, which Flyway owns.
            w.execute("CREATE SCHEMA IF NOT EXISTS container_fixture");
            w.execute("CREATE TABLE IF NOT EXISTS container_fixture.lag_probe (id bigserial PRIMARY KEY)");
            for (int attempt = 0; attempt < 100; attempt++) {
                long id;
                try (ResultSet rs = w.executeQuery("INSERT INTO container_fixture.lag_probe DEFAULT VALUES RETURNING id")) {
                    rs.next();
                    id = rs.getLong(1);
                }
                Thread.sleep(PROBE_WAIT.toMillis());
                try (ResultSet rs = r.executeQuery("SELECT count(*) FROM container_fixture.lag_probe WHERE id = " + id)) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return;
                    }
                } catch (SQLException e) {
                    if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) {
                        return; // the probe table itself is still held back: the delay is in force
                    }
                    throw e;
                }
            }
            throw new IllegalStateException("The replica did not start lagging by " + delay.toMillis() + " ms");
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot probe the replica's apply delay", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitStreaming() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection writer = DriverManager.getConnection(writerJdbcUrl(), USER, PASSWORD);
                 Statement s = writer.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
                Thread.sleep(PROBE_WAIT.toMillis());
            } catch (SQLException e) {
                throw new IllegalStateException("Cannot check the replica's streaming state", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("The replica container did not start streaming within 60 s:\n" + replica.getLogs());
    }

    private static DockerImageName image(String name, String official) {
        String value = System.getProperty(name, System.getenv(name));
        return DockerImageName.parse(value == null || value.isBlank() ? official : value.trim().toLowerCase(Locale.ROOT));
    }
}
