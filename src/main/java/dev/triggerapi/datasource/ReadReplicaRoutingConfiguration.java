package dev.triggerapi.datasource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.flyway.autoconfigure.FlywayDataSource;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;

/**
 * Read/write routing with Spring's own {@link LazyConnectionDataSourceProxy}: the proxy hands out a lazy
 * connection, records {@code setReadOnly(true)} from {@code @Transactional(readOnly = true)}, and only then,
 * at the first statement, takes a physical connection from the replica pool (read-only) or the writer pool.
 * Routing on the read-only flag this way cannot see the flag too late, which a hand-rolled
 * {@code AbstractRoutingDataSource} keyed on the transaction synchronization can.
 *
 * <p>Each pool carries its own instrumentation (Hikari metrics tagged {@code pool=writer|replica}), so nothing
 * touches a connection between the proxy's {@code getConnection()} and {@code setReadOnly()}.
 */
@Configuration(proxyBeanMethods = false)
class ReadReplicaRoutingConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ReadReplicaRoutingConfiguration.class);
    static final String WRITER_SETTING = "spring.datasource.url (DATABASE_URL)";
    static final String REPLICA_SETTING = "trigger-api.datasource.replica.url (DATABASE_READ_REPLICA_URL)";

    /** The writer pool; Flyway migrates through it and only through it. */
    @Bean(defaultCandidate = false)
    @FlywayDataSource
    @ConfigurationProperties("spring.datasource.hikari")
    HikariDataSource writerDataSource(DataSourceProperties properties, ObjectProvider<MeterRegistry> meters) {
        if (properties.getUrl() == null || properties.getUrl().isBlank()) {
            throw new DataSourceStartupException(WRITER_SETTING, null,
                    new IllegalStateException("no database URL is configured and the local cluster is disabled"));
        }
        HikariDataSource writer = properties.initializeDataSourceBuilder().type(HikariDataSource.class).build();
        writer.setPoolName("writer");
        meters.ifAvailable(registry -> writer.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry)));
        return writer;
    }

    /** The replica pool: read-only connections, same auto-commit and isolation defaults as the writer. */
    @Bean(defaultCandidate = false)
    @ConditionalOnExpression("!'${trigger-api.datasource.replica.url:}'.isBlank()")
    HikariDataSource replicaDataSource(ReplicaDataSourceProperties replica,
                                       @Qualifier("writerDataSource") HikariDataSource writer,
                                       ObjectProvider<MeterRegistry> meters) {
        HikariDataSource pool = new HikariDataSource();
        pool.setPoolName("replica");
        pool.setJdbcUrl(replica.url());
        pool.setUsername(replica.username() != null ? replica.username() : writer.getUsername());
        pool.setPassword(replica.password() != null ? replica.password() : writer.getPassword());
        pool.setDriverClassName(writer.getDriverClassName());
        pool.setReadOnly(true);
        pool.setAutoCommit(writer.isAutoCommit());
        pool.setTransactionIsolation(writer.getTransactionIsolation());
        pool.setMaximumPoolSize(replica.maximumPoolSize());
        pool.setConnectionTimeout(replica.connectionTimeout().toMillis());
        meters.ifAvailable(registry -> pool.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry)));
        return pool;
    }

    /**
     * The application's one {@link DataSource}: writer by default, replica for read-only transactions.
     * Both pools are checked here so a wrong URL fails startup with the setting's name, not at first use.
     */
    @Bean
    ReplicaCircuitBreaker replicaCircuitBreaker(java.time.Clock clock) {
        return new ReplicaCircuitBreaker(clock);
    }

    /** The replica pool behind a breaker that falls back to the writer while the replica is down. */
    @Bean(defaultCandidate = false)
    @ConditionalOnExpression("!'${trigger-api.datasource.replica.url:}'.isBlank()")
    ReplicaFailoverDataSource replicaFailoverDataSource(@Qualifier("replicaDataSource") HikariDataSource replica,
                                                        @Qualifier("writerDataSource") HikariDataSource writer,
                                                        ReplicaCircuitBreaker breaker, ObjectProvider<MeterRegistry> meters,
                                                        ReplicaDataSourceProperties replicaProperties) {
        verify(replica, REPLICA_SETTING, replicaProperties.url(), true);
        return new ReplicaFailoverDataSource(replica, writer, breaker,
                meters.getIfAvailable(io.micrometer.core.instrument.simple.SimpleMeterRegistry::new), replicaProperties);
    }

    @Bean
    @Primary
    DataSource dataSource(@Qualifier("writerDataSource") HikariDataSource writer,
                          @Qualifier("replicaFailoverDataSource") ObjectProvider<ReplicaFailoverDataSource> replicaSide,
                          DataSourceProperties properties) {
        verify(writer, WRITER_SETTING, properties.getUrl(), false);
        LazyConnectionDataSourceProxy proxy = new LazyConnectionDataSourceProxy(writer);
        ReplicaFailoverDataSource replica = replicaSide.getIfAvailable();
        if (replica != null) {
            proxy.setReadOnlyDataSource(replica);
        } else {
            log.info("No read replica configured ({}): read-only transactions use the writer", REPLICA_SETTING);
        }
        return proxy;
    }

    private static void verify(DataSource pool, String setting, String url, boolean expectStandby) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            boolean inRecovery = rs.getBoolean(1);
            if (expectStandby && !inRecovery) {
                log.warn("{} points at a server that is not in recovery: reads go to it as configured, but it is "
                        + "not a streaming replica", setting);
            } else if (!expectStandby && inRecovery) {
                throw new DataSourceStartupException(setting, url,
                        new IllegalStateException("the server is a read-only standby (pg_is_in_recovery() = true), not a writer"));
            }
        } catch (SQLException e) {
            throw new DataSourceStartupException(setting, url, e);
        }
    }
}
