package dev.triggerapi.replication;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.clickhouse.ClickHouseClient;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Wires runs replication when {@code CLICKHOUSE_URL} is set. The {@link ClickHouseClient} it defines is also what
 * makes the runs list ({@code runlist}) read from ClickHouse. The stream itself (replicator, its meters and health)
 * is wired only where {@code RUN_REPLICATION_STREAM_ENABLED} is not {@code false}: instances serving requests can
 * leave it to processes of their own.
 */
@Configuration(proxyBeanMethods = false)
class RunReplicationConfiguration {

    static final String ENABLED = "!'${trigger-api.replication.clickhouse.url:}'.isBlank()";
    /** {@link RunReplicationProperties#streamEnabled()}, read before binding: conditions run first. */
    static final String STREAMING = ENABLED + " and '${trigger-api.replication.stream-enabled:true}'.trim() != 'false'";

    @Bean
    @ConditionalOnExpression(ENABLED)
    ClickHouseClient clickHouseClient(RunReplicationProperties settings) {
        RunReplicationProperties.ClickHouse ch = settings.clickhouse();
        return new ClickHouseClient(ch.url(), ch.database(), ch.connectTimeout(), ch.requestTimeout());
    }

    @Bean
    @ConditionalOnExpression(STREAMING)
    ReplicationMetrics replicationMetrics(MeterRegistry registry) {
        return new ReplicationMetrics(registry);
    }

    @Bean
    ReplicationExit replicationExit() {
        return ReplicationExit.system();
    }

    @Bean
    @ConditionalOnExpression(STREAMING)
    RunReplicator runReplicator(RunReplicationProperties settings,
                                @Qualifier("writerDataSource") HikariDataSource writer,
                                ClickHouseClient clickHouse, StringRedisTemplate redis, ReplicationExit exit,
                                ReplicationMetrics metrics, Clock clock) {
        return new RunReplicator(settings, JdbcClient.create(writer),
                WriterConnection.parse(writer.getJdbcUrl(), writer.getUsername(), writer.getPassword()),
                clickHouse, redis, instanceToken(), exit, metrics, clock);
    }

    @Bean
    @ConditionalOnExpression(STREAMING)
    ReplicationHealthIndicator replicationHealthIndicator(RunReplicator replicator) {
        return new ReplicationHealthIndicator(replicator);
    }

    /** Host, pid and a random part: unique per instance and readable when an operator looks at the lock. */
    static String instanceToken() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + ":" + ProcessHandle.current().pid() + ":" + UUID.randomUUID();
    }
}
