package dev.triggerapi.replication;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Level;
import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.clickhouse.ClickHouseClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The runs replication alone in a JVM of its own, as a service instance runs it (the same {@link RunReplicator},
 * lock, Debezium engine and offset store), so a test can kill the whole process with {@code SIGKILL}. Started
 * without Spring Boot to keep the start short.
 *
 * <p>Arguments: writer JDBC URL, user, password, Redis host, Redis port, ClickHouse URL, ClickHouse database,
 * slot, publication.
 */
public final class ReplicationProcess {

    private ReplicationProcess() {
    }

    public static void main(String[] args) throws Exception {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.triggerapi")).setLevel(Level.INFO);
        HikariDataSource writer = new HikariDataSource();
        writer.setJdbcUrl(args[0]);
        writer.setUsername(args[1]);
        writer.setPassword(args[2]);
        writer.setMaximumPoolSize(2);
        LettuceConnectionFactory redis = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(args[3], Integer.parseInt(args[4])));
        redis.afterPropertiesSet();
        redis.start();
        RunReplicationProperties defaults = new RunReplicationProperties(
                new RunReplicationProperties.ClickHouse(args[5], args[6], Duration.ofSeconds(2), Duration.ofSeconds(30)),
                args[7], args[8], 2000, Duration.ofMillis(200),
                new RunReplicationProperties.Insert(5, Duration.ofMillis(100), Duration.ofMillis(400), 2),
                new RunReplicationProperties.Leader(Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofMillis(300)),
                RunReplicationProperties.ErrorStrategy.RECONNECT,
                new RunReplicationProperties.Reconnect(Duration.ofMillis(200), Duration.ofSeconds(2), 0),
                new RunReplicationProperties.Exit(1, Duration.ofSeconds(5)), true, Duration.ofSeconds(1));
        ClickHouseClient clickHouse = new ClickHouseClient(args[5], args[6], Duration.ofSeconds(2), Duration.ofSeconds(30));
        RunReplicator replicator = new RunReplicator(defaults, JdbcClient.create(writer),
                WriterConnection.parse(writer.getJdbcUrl(), writer.getUsername(), writer.getPassword()), clickHouse,
                new StringRedisTemplate(redis), RunReplicationConfiguration.instanceToken(), code -> System.exit(code),
                new ReplicationMetrics(new SimpleMeterRegistry()), Clock.systemUTC());
        replicator.start();
        RunReplicator.State last = null;
        while (true) {
            RunReplicator.State state = replicator.status().state();
            if (state != last) {
                System.out.println("STATE " + state);
                last = state;
            }
            Thread.sleep(50);
        }
    }

    /** Starts {@link #main} in a new JVM with this JVM's class path; its output goes to {@code log}. */
    static Process start(List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ReplicationProcess.class.getName());
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Whether {@code log} shows the process streaming. */
    static boolean streaming(File log) throws IOException {
        return log.exists() && java.nio.file.Files.readString(log.toPath()).contains("STATE STREAMING");
    }
}
