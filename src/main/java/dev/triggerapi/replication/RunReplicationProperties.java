package dev.triggerapi.replication;

import java.time.Duration;

import dev.triggerapi.duration.NonNegativeDuration;
import dev.triggerapi.duration.PositiveDuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the runs replication to ClickHouse ({@code trigger-api.replication.*}); the environment
 * variables are in the README's configuration table. Replication is on when {@code clickhouse.url} is set.
 *
 * @param clickhouse      where ClickHouse is
 * @param slotName        logical replication slot (default {@code task_runs_clickhouse}); also the key of the
 *                        leader lock and of the stored offsets, so every instance of a deployment shares them
 * @param publicationName publication covering {@code task_runs} (default {@code task_runs_clickhouse}, created
 *                        by migration V4)
 * @param flushBatchSize  the most row changes one ClickHouse insert carries (default 2,000)
 * @param flushInterval   an insert holds what arrives in this long at the current rate, and a change waits at most
 *                        this long for others to join it (default 200 ms); an idle stream inserts at once
 * @param insert          retries of a failed ClickHouse insert
 * @param leader          the Redis leader lock
 * @param errorStrategy   what happens when the stream stops with an error (default {@code reconnect})
 * @param reconnect       backoff of the {@code reconnect} strategy
 * @param exit            the {@code exit} strategy
 * @param streamEnabled   whether this instance runs the stream (default true). An instance with {@code false} still
 *                        serves the runs list from ClickHouse but never takes the leader lock, so the stream can run
 *                        in processes of its own, with their own CPU share, apart from the instances serving requests
 *                        ({@code RunReplicationConfiguration} reads it when it wires the replicator)
 * @param restartPointInterval how often the leader asks PostgreSQL to log its running transactions, which moves the
 *                        slot's restart point up to what the stream confirmed ({@link SlotRestartPoint}; default 1 s,
 *                        0 = only PostgreSQL's own every 15 s)
 */
@Validated
@ConfigurationProperties("trigger-api.replication")
public record RunReplicationProperties(
        @Valid @DefaultValue ClickHouse clickhouse,
        @NotBlank @Pattern(regexp = "[a-z0-9_]{1,63}", message = "must be 1-63 characters of a-z, 0-9 and _ (a PostgreSQL slot name)")
        @DefaultValue("task_runs_clickhouse") String slotName,
        @NotBlank @DefaultValue("task_runs_clickhouse") String publicationName,
        @Min(1) @Max(100_000) @DefaultValue("2000") int flushBatchSize,
        @DefaultValue("200ms") @PositiveDuration Duration flushInterval,
        @Valid @DefaultValue Insert insert,
        @Valid @DefaultValue Leader leader,
        @NotNull @DefaultValue("reconnect") ErrorStrategy errorStrategy,
        @Valid @DefaultValue Reconnect reconnect,
        @Valid @DefaultValue Exit exit,
        @DefaultValue("true") boolean streamEnabled,
        @DefaultValue("1000ms") @NonNegativeDuration Duration restartPointInterval) {

    /** True when {@code CLICKHOUSE_URL} is set. */
    public boolean enabled() {
        return clickhouse.url() != null && !clickhouse.url().isBlank();
    }

    /** A copy with another slot (tests run several independent streams against one database). */
    public RunReplicationProperties withSlotName(String slot) {
        return new RunReplicationProperties(clickhouse, slot, publicationName, flushBatchSize, flushInterval, insert,
                leader, errorStrategy, reconnect, exit, streamEnabled, restartPointInterval);
    }

    /** A copy with another error strategy. */
    public RunReplicationProperties withErrorStrategy(ErrorStrategy strategy) {
        return new RunReplicationProperties(clickhouse, slotName, publicationName, flushBatchSize, flushInterval, insert,
                leader, strategy, reconnect, exit, streamEnabled, restartPointInterval);
    }

    /** A copy writing to another ClickHouse database. */
    public RunReplicationProperties withClickHouseDatabase(String database) {
        return new RunReplicationProperties(new ClickHouse(clickhouse.url(), database, clickhouse.connectTimeout(),
                clickhouse.requestTimeout()), slotName, publicationName, flushBatchSize, flushInterval, insert, leader,
                errorStrategy, reconnect, exit, streamEnabled, restartPointInterval);
    }

    /** A copy with other leader-lock timings. */
    public RunReplicationProperties withLeader(Leader lock) {
        return new RunReplicationProperties(clickhouse, slotName, publicationName, flushBatchSize, flushInterval, insert,
                lock, errorStrategy, reconnect, exit, streamEnabled, restartPointInterval);
    }

    /** A copy with other reconnect settings. */
    public RunReplicationProperties withReconnect(Reconnect reconnectSettings) {
        return new RunReplicationProperties(clickhouse, slotName, publicationName, flushBatchSize, flushInterval, insert,
                leader, errorStrategy, reconnectSettings, exit, streamEnabled, restartPointInterval);
    }

    /** A copy with another exit strategy setting. */
    public RunReplicationProperties withExit(Exit exitSettings) {
        return new RunReplicationProperties(clickhouse, slotName, publicationName, flushBatchSize, flushInterval, insert,
                leader, errorStrategy, reconnect, exitSettings, streamEnabled, restartPointInterval);
    }

    /**
     * @param url            HTTP interface, e.g. {@code http://clickhouse:8123} ({@code CLICKHOUSE_URL}); user and
     *                       password may be given as {@code http://user:password@host:8123}
     * @param database       database of the {@code task_runs} table (default {@code default}; created if missing)
     * @param connectTimeout connect timeout (default 2 s)
     * @param requestTimeout whole-request timeout (default 30 s)
     */
    public record ClickHouse(
            @DefaultValue("") String url,
            @NotBlank @Pattern(regexp = "[A-Za-z0-9_]+", message = "must be letters, digits and _")
            @DefaultValue("default") String database,
            @DefaultValue("2000ms") @PositiveDuration Duration connectTimeout,
            @DefaultValue("30000ms") @PositiveDuration Duration requestTimeout) {
    }

    /**
     * @param maxAttempts  attempts per batch before the stream stops with an error (default 5)
     * @param initialDelay delay before the first retry, doubled per retry (default 200 ms)
     * @param maxDelay     cap of the delay (default 5 s)
     * @param maxInFlight  inserts outstanding at once while the next batch is converted (default 2; 1 = one batch
     *                     at a time)
     */
    public record Insert(
            @Min(1) @DefaultValue("5") int maxAttempts,
            @DefaultValue("200ms") @NonNegativeDuration Duration initialDelay,
            @DefaultValue("5000ms") @NonNegativeDuration Duration maxDelay,
            @Min(1) @Max(16) @DefaultValue("2") int maxInFlight) {
    }

    /**
     * @param lockTtl         lifetime of the lock in Redis (default 30 s): how long a crashed leader blocks others
     * @param extendInterval  how often the leader extends it (default 10 s)
     * @param acquireInterval how often a standby tries to take it (default 5 s)
     */
    public record Leader(
            @DefaultValue("30000ms") @PositiveDuration Duration lockTtl,
            @DefaultValue("10000ms") @PositiveDuration Duration extendInterval,
            @DefaultValue("5000ms") @PositiveDuration Duration acquireInterval) {
    }

    /**
     * @param initialDelay delay before the first reconnect (default 1 s); attempt n waits
     *                     {@code min(initialDelay × 2^(n−1), maxDelay)}
     * @param maxDelay     cap of the delay (default 60 s)
     * @param maxAttempts  attempts before giving up and staying stopped; 0 (default) = unlimited
     */
    public record Reconnect(
            @DefaultValue("1000ms") @NonNegativeDuration Duration initialDelay,
            @DefaultValue("60000ms") @NonNegativeDuration Duration maxDelay,
            @Min(0) @DefaultValue("0") int maxAttempts) {
    }

    /**
     * @param code  process exit code (default 1)
     * @param delay how long after the error the process exits (default 5 s)
     */
    public record Exit(
            @DefaultValue("1") @Min(0) @Max(255) int code,
            @DefaultValue("5000ms") @NonNegativeDuration Duration delay) {
    }

    /** What the replicator does when the stream stops with an error ({@code RUN_REPLICATION_ERROR_STRATEGY}). */
    public enum ErrorStrategy {
        /** Rebuild the stream with exponential backoff (default). */
        RECONNECT,
        /** Exit the process so a supervisor restarts it. */
        EXIT,
        /** Log and stay stopped (health DOWN). */
        LOG
    }
}
