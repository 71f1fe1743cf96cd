package dev.triggerapi.datasource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.concurrent.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The read-only side of the routing proxy: the replica pool, or the writer when the replica is down.
 *
 * <p>A dead replica must cost one fast failure, not a connection timeout on every request, and must not
 * fail reads the writer can serve. A background probe (a plain JDBC connect with short timeouts, never a
 * request thread) checks the replica every {@code probeInterval}; a failed probe or a failed replica
 * connection opens the {@link ReplicaCircuitBreaker}, and while it is open read-only connections come from
 * the writer, marked read-only. The first successful probe closes it and reads return to the replica.
 */
final class ReplicaFailoverDataSource extends DelegatingDataSource implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ReplicaFailoverDataSource.class);

    private final HikariDataSource replica;
    private final HikariDataSource writer;
    private final ReplicaCircuitBreaker breaker;
    private final Counter fallbackOpen;
    private final Counter fallbackError;
    private final ScheduledExecutorService prober;
    private final Properties probeProperties;

    ReplicaFailoverDataSource(HikariDataSource replica, HikariDataSource writer, ReplicaCircuitBreaker breaker,
                              MeterRegistry meters, ReplicaDataSourceProperties settings) {
        super(replica);
        this.replica = replica;
        this.writer = writer;
        this.breaker = breaker;
        this.fallbackOpen = Counter.builder("datasource.replica.fallback").tag("reason", "breaker_open")
                .description("Read-only connections served by the writer because the replica is down").register(meters);
        this.fallbackError = Counter.builder("datasource.replica.fallback").tag("reason", "connection_error")
                .description("Read-only connections served by the writer because the replica is down").register(meters);
        this.probeProperties = new Properties();
        probeProperties.setProperty("user", replica.getUsername() == null ? "" : replica.getUsername());
        if (replica.getPassword() != null) {
            probeProperties.setProperty("password", replica.getPassword());
        }
        long timeoutSeconds = Math.max(1, settings.probeTimeout().toSeconds());
        probeProperties.setProperty("connectTimeout", Long.toString(timeoutSeconds));
        probeProperties.setProperty("socketTimeout", Long.toString(timeoutSeconds));
        probeProperties.setProperty("loginTimeout", Long.toString(timeoutSeconds));
        this.prober = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("replica-probe"));
        long interval = settings.probeInterval().toMillis();
        prober.scheduleWithFixedDelay(this::probe, interval, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (!breaker.replicaAvailable()) {
            fallbackOpen.increment();
            return readOnlyWriterConnection();
        }
        try {
            return replica.getConnection();
        } catch (SQLException e) {
            open("connection failed: " + e.getMessage());
            fallbackError.increment();
            return readOnlyWriterConnection();
        }
    }

    private Connection readOnlyWriterConnection() throws SQLException {
        Connection connection = writer.getConnection();
        connection.setReadOnly(true);
        return connection;
    }

    void probe() {
        try (Connection c = DriverManager.getConnection(replica.getJdbcUrl(), probeProperties);
             Statement s = c.createStatement()) {
            s.execute("SELECT 1");
            if (breaker.recordSuccess()) {
                log.info("Read replica is reachable again after {} s: read-only work goes back to it",
                        breaker.openFor().toSeconds());
            }
        } catch (SQLException | RuntimeException e) {
            open("probe failed: " + e.getMessage());
        }
    }

    private void open(String reason) {
        if (breaker.recordFailure(reason)) {
            log.warn("Read replica unavailable ({}): read-only work falls back to the writer", reason);
            // Pooled connections to a dead server would each fail once more; drop them now.
            if (replica.getHikariPoolMXBean() != null) {
                replica.getHikariPoolMXBean().softEvictConnections();
            }
        }
    }

    @Override
    public void destroy() {
        prober.shutdownNow();
    }
}
