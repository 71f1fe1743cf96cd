package dev.triggerapi.replication;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.clickhouse.ClickHouseException;
import dev.triggerapi.concurrent.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes replicated run rows to ClickHouse, retrying a failed insert with capped exponential backoff. When the
 * attempts run out the last error is thrown: the caller then does not acknowledge the batch, so nothing is
 * ever acknowledged that ClickHouse does not have. Re-sending rows is harmless: ReplacingMergeTree keeps one
 * row per run and version.
 */
final class ClickHouseRunWriter {

    private static final Logger log = LoggerFactory.getLogger(ClickHouseRunWriter.class);
    static final String TABLE = "task_runs";

    private final ClickHouseClient clickHouse;
    private final int rowsPerInsert;
    private final int maxAttempts;
    private final Backoff backoff;
    private final ReplicationMetrics metrics;

    /**
     * @param rowsPerInsert the flush size: rows per INSERT (a batch holding more, such as a large transaction or
     *                      the snapshot, is written in several)
     */
    ClickHouseRunWriter(ClickHouseClient clickHouse, int rowsPerInsert, RunReplicationProperties.Insert settings,
                        ReplicationMetrics metrics) {
        this.clickHouse = clickHouse;
        this.rowsPerInsert = rowsPerInsert;
        this.maxAttempts = settings.maxAttempts();
        this.backoff = Backoff.exponential(settings.initialDelay(), settings.maxDelay());
        this.metrics = metrics;
    }

    /**
     * Inserts {@code rows}, retrying while {@code leader} holds and no stop is requested.
     *
     * @throws LeadershipLostException when leadership was lost before the rows were written
     * @throws ClickHouseException     when the last attempt failed
     */
    void write(List<Map<String, Object>> rows, BooleanSupplier leader, StopSignal stop) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            if (!leader.getAsBoolean()) {
                throw new LeadershipLostException("leader lock lost before the batch was written");
            }
            try {
                for (int from = 0; from < rows.size(); from += rowsPerInsert) {
                    clickHouse.insert(TABLE, rows.subList(from, Math.min(rows.size(), from + rowsPerInsert)));
                }
                metrics.batchFlushed(true, rows.size());
                return;
            } catch (ClickHouseException e) {
                if (attempt >= maxAttempts || stop.isStopped()) {
                    metrics.batchFlushed(false, 0);
                    throw e;
                }
                Duration delay = backoff.delay(attempt);
                log.warn("ClickHouse insert of {} run rows failed (attempt {} of {}), retrying in {} ms: {}",
                        rows.size(), attempt, maxAttempts, delay.toMillis(), e.getMessage());
                metrics.insertRetried();
                if (!stop.sleep(delay)) {
                    metrics.batchFlushed(false, 0);
                    throw e;
                }
            }
        }
    }
}
