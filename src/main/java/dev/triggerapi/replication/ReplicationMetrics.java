package dev.triggerapi.replication;

import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Meters of the runs replication. Labels are bounded (only {@code success=true|false}); slot names and ids
 * never become labels.
 */
final class ReplicationMetrics {

    private final DistributionSummary lag;
    private final Counter batchesSucceeded;
    private final Counter batchesFailed;
    private final Counter insertRetries;
    private final Counter reconnects;
    private final Counter rows;
    private final AtomicInteger leader = new AtomicInteger();

    ReplicationMetrics(MeterRegistry registry) {
        this.lag = DistributionSummary.builder("runs_replication.lag_ms")
                .description("Commit in PostgreSQL to row in ClickHouse, per replicated change, in milliseconds")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.batchesSucceeded = Counter.builder("runs_replication.batches_flushed").tag("success", "true")
                .description("Batches of changes written to ClickHouse").register(registry);
        this.batchesFailed = Counter.builder("runs_replication.batches_flushed").tag("success", "false")
                .description("Batches of changes written to ClickHouse").register(registry);
        this.insertRetries = Counter.builder("runs_replication.insert_retries")
                .description("ClickHouse inserts retried after a failure").register(registry);
        this.reconnects = Counter.builder("runs_replication.reconnects")
                .description("Stream rebuilds by the reconnect strategy").register(registry);
        this.rows = Counter.builder("runs_replication.rows_flushed")
                .description("Run rows written to ClickHouse").register(registry);
        Gauge.builder("runs_replication.leader", leader, AtomicInteger::get)
                .description("1 while this instance holds the replication leader lock").register(registry);
    }

    void lag(long millis) {
        lag.record(Math.max(0, millis));
    }

    void batchFlushed(boolean success, int rowCount) {
        (success ? batchesSucceeded : batchesFailed).increment();
        if (success) {
            rows.increment(rowCount);
        }
    }

    void insertRetried() {
        insertRetries.increment();
    }

    void reconnected() {
        reconnects.increment();
    }

    void leader(boolean isLeader) {
        leader.set(isLeader ? 1 : 0);
    }

    DistributionSummary lagSummary() {
        return lag;
    }

    double reconnectCount() {
        return reconnects.count();
    }
}
