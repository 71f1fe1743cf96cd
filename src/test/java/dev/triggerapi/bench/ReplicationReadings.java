package dev.triggerapi.bench;

import java.util.Map;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Where a bench reads the runs replication's figures: the meters of this JVM ({@link #inProcess}), or a replication
 * running as a process of its own ({@link StreamProcess}). Every figure is cumulative; callers subtract readings.
 */
interface ReplicationReadings {

    /** Replicated changes whose commit → ClickHouse lag was at most each of {@code boundsMs}, and all of them last. */
    default long[] lagCounts(long[] boundsMs) {
        return lagCounts(LAG, boundsMs);
    }

    /** The same for one of the two lag meters: {@link #LAG} or its first leg, {@link #DECODE_LAG}. */
    long[] lagCounts(String meter, long[] boundsMs);

    /** Commit → ClickHouse. */
    String LAG = "runs_replication.lag_ms";
    /** Commit → decoded by Debezium. */
    String DECODE_LAG = "runs_replication.decode_lag_ms";

    /** Per {@code runs_replication.stage}: count and total seconds. */
    Map<String, double[]> stages();

    /** CPU nanoseconds by role ({@link ReplicationProbe}). */
    Map<String, Long> cpu();

    /** ClickHouse inserts that succeeded. */
    double batchesFlushed();

    /** Rows those inserts carried (after collapsing the changes of a row within a batch). */
    double rowsFlushed();

    /** The replication of this JVM: its {@code runs_replication.*} meters and its threads. */
    static ReplicationReadings inProcess(MeterRegistry meters, JdbcClient writer) {
        return new ReplicationReadings() {
            @Override
            public long[] lagCounts(String meter, long[] boundsMs) {
                DistributionSummary lag = meters.get(meter).summary();
                CountAtBucket[] buckets = lag.takeSnapshot().histogramCounts();
                long[] out = new long[boundsMs.length + 1];
                for (int i = 0; i < boundsMs.length; i++) {
                    for (CountAtBucket b : buckets) {
                        if ((long) b.bucket() == boundsMs[i]) {
                            out[i] = (long) b.count();
                        }
                    }
                }
                out[boundsMs.length] = lag.count();
                return out;
            }

            @Override
            public Map<String, double[]> stages() {
                return ReplicationProbe.stages(meters);
            }

            @Override
            public Map<String, Long> cpu() {
                return ReplicationProbe.cpu(writer);
            }

            @Override
            public double batchesFlushed() {
                return meters.get("runs_replication.batches_flushed").tag("success", "true").counter().count();
            }

            @Override
            public double rowsFlushed() {
                return meters.get("runs_replication.rows_flushed").counter().count();
            }
        };
    }
}
