package dev.triggerapi.snapshot;

import java.util.Random;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.concurrent.DaemonThreads;
import dev.triggerapi.datasource.ReplicaFirstReader;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the {@link SnapshotsSinceReader} to the writer pool and the replica side directly (not through the
 * read-only routing proxy): the reader decides per read which server answers, and each read is a single
 * auto-commit statement, so a connection is held only for that statement.
 *
 * <p>The replica side is the {@code datasource} package's breaker-protected replica
 * ({@code replicaFailoverDataSource}): while the replica is known to be down, every read-only path of the
 * service — this one included — is served by the writer instead of paying a connection timeout per poll.
 * That is the service-wide outage policy; the reader itself moves only a lost replica connection to the writer,
 * through the same rule as every other replica read ({@link ReplicaFirstReader}).
 */
@Configuration(proxyBeanMethods = false)
class SnapshotsSinceConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SnapshotsSinceConfiguration.class);

    @Bean(destroyMethod = "close")
    SnapshotsSinceReader snapshotsSinceReader(SnapshotsSinceProperties settings,
                                              @Qualifier("writerDataSource") HikariDataSource writer,
                                              @Qualifier("replicaFailoverDataSource") ObjectProvider<DataSource> replica,
                                              ReplicaFirstReader writerFallback, MeterRegistry meters) {
        DataSource replicaPool = replica.getIfAvailable();
        if (replicaPool == null && Boolean.TRUE.equals(settings.readReplicaEnabled())) {
            log.warn("RUN_ENGINE_READ_REPLICA_SNAPSHOTS_SINCE_ENABLED is on but no replica is configured: "
                    + "snapshots-since reads the primary");
        }
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(settings.retryThreads(), DaemonThreads.numbered("snapshots-since-retry"));
        timer.setRemoveOnCancelPolicy(true);
        // java.util.Random is thread-safe: polls draw their jitter on request threads concurrently.
        return new SnapshotsSinceReader(replicaPool, writer, settings, timer, new Random(), writerFallback, meters);
    }

}
