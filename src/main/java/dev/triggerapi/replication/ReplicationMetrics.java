package dev.triggerapi.replication;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Meters of the runs replication. Labels are bounded ({@code success=true|false} and the fixed set of
 * {@link Stage}s); slot names and ids never become labels.
 */
final class ReplicationMetrics {

    /**
     * Where a batch spends its time, for {@code runs_replication.stage} (seconds per batch). Decoding pgoutput into
     * change events happens on Debezium's own thread, before the batch reaches the handler; {@code POLL} is the
     * handler's wait for Debezium's next batch.
     */
    enum Stage {
        /** Between two batches: the engine polls Debezium's queue (idle streams wait here). */
        POLL,
        /** Change events to ClickHouse rows, transactions grouped, commit LSNs assigned. */
        CONVERT,
        /** Rows of a batch collapsed to one per run and serialised to the insert body. */
        BUFFER,
        /** The ClickHouse {@code INSERT} (retries included), on the insert thread. */
        INSERT,
        /** Waiting for an earlier batch's insert before this one may go out (in-flight bound, idle drain). */
        INSERT_WAIT,
        /** Offsets marked, stored on the writer and the LSN confirmed to the slot. */
        ACKNOWLEDGE;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Map<Stage, Timer> stages = new EnumMap<>(Stage.class);
    private final Counter changes;
    private final AtomicInteger insertsInFlight = new AtomicInteger();
    private volatile Long lastLag;

    private final DistributionSummary lag;
    private final DistributionSummary decodeLag;
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
        // The first leg of lag_ms: a stream that falls behind while this stays low waits on ClickHouse (or the sink);
        // one where this carries the lag is not decoding fast enough (Debezium's decoding thread, the walsender).
        this.decodeLag = DistributionSummary.builder("runs_replication.decode_lag_ms")
                .description("Commit in PostgreSQL to the change decoded from the replication stream, per replicated change, "
                        + "in milliseconds (the first leg of runs_replication.lag_ms)")
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
        for (Stage stage : Stage.values()) {
            stages.put(stage, Timer.builder("runs_replication.stage").tag("stage", stage.label())
                    .description("Time a batch spends in each stage of the runs replication").register(registry));
        }
        this.changes = Counter.builder("runs_replication.changes")
                .description("Row changes (snapshot rows included) written to ClickHouse and acknowledged").register(registry);
        Gauge.builder("runs_replication.inserts_in_flight", insertsInFlight, AtomicInteger::get)
                .description("ClickHouse inserts sent and not yet answered").register(registry);
    }

    void stage(Stage stage, long nanos) {
        stages.get(stage).record(nanos, TimeUnit.NANOSECONDS);
    }

    void changesAcknowledged(int count) {
        changes.increment(count);
    }

    void insertStarted() {
        insertsInFlight.incrementAndGet();
    }

    void insertEnded() {
        insertsInFlight.decrementAndGet();
    }

    void lag(long millis) {
        long value = Math.max(0, millis);
        lastLag = value;
        lag.record(value);
    }

    /** Commit → decoded by Debezium, for one streamed change (snapshot rows have no commit time). */
    void decoded(long millis) {
        decodeLag.record(Math.max(0, millis));
    }

    /** Lag of the most recently written change, or null before the first. */
    Long lastLagMillis() {
        return lastLag;
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
