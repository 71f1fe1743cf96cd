package dev.triggerapi.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Commit → ClickHouse lag of the runs replication per interval of a load test or bench phase (issue 13: "report
 * per-minute lag").
 *
 * <p>Reads the service's own {@code runs_replication.lag_ms} meter (one sample per replicated change), in this JVM or
 * scraped from a replication process of its own ({@link ReplicationReadings}). The load test gives it fixed buckets
 * ({@link #SPRING_ARGS}); the Prometheus registry keeps bucket counts cumulative for the life of the process, so the
 * difference of two snapshots is exactly the changes written to ClickHouse in between, and its p99 is known to the
 * bucket's width (50 ms up to 2 s).
 */
final class ReplicationLagByMinute implements AutoCloseable {

    private static final long[] BOUNDS_MS = LongStream.concat(LongStream.rangeClosed(1, 40).map(i -> i * 50),
            LongStream.of(2_500, 3_000, 4_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000)).toArray();

    /** Spring arguments that give the lag meter the buckets this report reads. */
    static final List<String> SPRING_ARGS = List.of(ReplicationReadings.LAG, ReplicationReadings.DECODE_LAG).stream()
            .map(meter -> "--management.metrics.distribution.slo." + meter + "="
                    + LongStream.of(BOUNDS_MS).mapToObj(Long::toString).collect(Collectors.joining(",")))
            .toList();

    private record Interval(String label, double seconds, long[] counts, long total, long[] decodeCounts,
                            Map<String, Long> cpu, Map<String, double[]> stages) {
    }

    /** Label of the measured phase's last, partial interval ({@link #stopMinutes}); counted in the whole-phase row. */
    static final String REST_OF_MEASURED = "rest of the measured phase";

    private final ReplicationReadings readings;
    private Map<String, Long> lastCpu;
    private Map<String, double[]> lastStages;
    private final List<Interval> intervals = new ArrayList<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "load-lag-minutes");
        t.setDaemon(true);
        return t;
    });
    private long[] lastCounts;
    private long[] lastDecodeCounts;
    private long lastTotal;
    private long lastNanos;
    private int ticks;
    private Duration tickPeriod;
    private String tickPrefix;

    /** The replication of this JVM; {@code writer} finds the walsender's process for its CPU time. */
    ReplicationLagByMinute(MeterRegistry registry, JdbcClient writer) {
        this(ReplicationReadings.inProcess(registry, writer));
    }

    ReplicationLagByMinute(ReplicationReadings readings) {
        this.readings = readings;
        this.lastCpu = readings.cpu();
        this.lastStages = readings.stages();
        this.lastCounts = readings.lagCounts(BOUNDS_MS);
        this.lastDecodeCounts = readings.lagCounts(ReplicationReadings.DECODE_LAG, BOUNDS_MS);
        this.lastTotal = lastCounts[BOUNDS_MS.length];
        this.lastNanos = System.nanoTime();
    }

    /** Closes the interval that ran until now under {@code label}. */
    synchronized void mark(String label) {
        long[] now = readings.lagCounts(BOUNDS_MS);
        long[] decodeNow = readings.lagCounts(ReplicationReadings.DECODE_LAG, BOUNDS_MS);
        long total = now[BOUNDS_MS.length];
        long nanos = System.nanoTime();
        Map<String, Long> cpu = readings.cpu();
        Map<String, double[]> stages = readings.stages();
        intervals.add(new Interval(label, (nanos - lastNanos) / 1e9, minus(now, lastCounts), total - lastTotal,
                minus(decodeNow, lastDecodeCounts), ReplicationProbe.minusCpu(cpu, lastCpu),
                ReplicationProbe.minus(stages, lastStages)));
        lastCpu = cpu;
        lastStages = stages;
        lastCounts = now;
        lastDecodeCounts = decodeNow;
        lastTotal = total;
        lastNanos = nanos;
    }

    private static long[] minus(long[] now, long[] before) {
        long[] diff = new long[now.length];
        for (int i = 0; i < now.length; i++) {
            diff[i] = now[i] - before[i];
        }
        return diff;
    }

    /** From now on, closes an interval every minute ("minute 1", "minute 2", ...) until the next {@link #mark}. */
    void everyMinute() {
        every(Duration.ofMinutes(1), "minute");
    }

    /** From now on, closes an interval every {@code period} ("{@code prefix} 1", ...), e.g. to trace a bench phase. */
    void every(Duration period, String prefix) {
        tickPeriod = period;
        tickPrefix = prefix;
        ticker.scheduleAtFixedRate(this::tick, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void tick() {
        if (!ticker.isShutdown()) {
            mark(tickPrefix + " " + (++ticks));
        }
    }

    /**
     * Stops the ticks; the time since the last tick is closed as {@code label}, or as the next tick when it lasted
     * (nearly) a whole period: the phase ended as the tick was due.
     */
    synchronized void stopMinutes(String label) {
        ticker.shutdownNow();
        boolean whole = tickPeriod != null && System.nanoTime() - lastNanos >= tickPeriod.toNanos() * 9 / 10;
        mark(whole ? tickPrefix + " " + (++ticks) : label);
    }

    /** p50 of the last closed interval. */
    synchronized String lastP50() {
        Interval last = intervals.get(intervals.size() - 1);
        return percentile(last.counts(), last.total(), 0.50);
    }

    /** p99 of the last closed interval. */
    synchronized String lastP99() {
        Interval last = intervals.get(intervals.size() - 1);
        return percentile(last.counts(), last.total(), 0.99);
    }

    /**
     * Prints one row per interval and one for the whole measured phase: the minutes and the seconds after the last
     * whole minute ({@link #REST_OF_MEASURED}), whose changes were mostly committed in the last minute.
     */
    synchronized void print() {
        System.out.println();
        System.out.println("Replication lag commit → ClickHouse per interval (runs_replication.lag_ms, per change; "
                + "p50/p99 = upper bound of the 50 ms bucket that holds it)");
        System.out.println("| interval | seconds | changes written to ClickHouse | p50 | p99 | changes > 2 s "
                + "| p99 commit → decoded | CPU, % of a core: decoding / walsender / engine + insert "
                + "| decoding thread waiting for a CPU, % of the interval "
                + "| ClickHouse server: CPU / threads waiting for a CPU, % of a core "
                + "| batches | mean ms per batch: poll / convert / insert / insert wait / acknowledge |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---|");
        long[] whole = new long[BOUNDS_MS.length + 1];
        long[] wholeDecode = new long[BOUNDS_MS.length + 1];
        long wholeTotal = 0;
        double wholeSeconds = 0;
        for (Interval interval : intervals) {
            row(interval);
            if (interval.label().startsWith("minute") || interval.label().startsWith(REST_OF_MEASURED)) {
                for (int i = 0; i < whole.length; i++) {
                    whole[i] += interval.counts()[i];
                    wholeDecode[i] += interval.decodeCounts()[i];
                }
                wholeTotal += interval.total();
                wholeSeconds += interval.seconds();
            }
        }
        row(new Interval("**whole measured phase**", wholeSeconds, whole, wholeTotal, wholeDecode, Map.of(), Map.of()));
    }

    private static void row(Interval interval) {
        long[] c = interval.counts();
        long total = interval.total();
        long over2s = total - c[39];
        long[] d = interval.decodeCounts();
        System.out.printf("| %s | %.0f | %,d | %s | %s | %,d (%.2f %%) | %s | %s | %s | %s | %s | %s |%n", interval.label(), interval.seconds(), total,
                percentile(c, total, 0.50), percentile(c, total, 0.99), over2s, total == 0 ? 0 : 100.0 * over2s / total,
                percentile(d, d[BOUNDS_MS.length], 0.99), cpuShares(interval), runQueueShare(interval),
                clickHouseShares(interval), batches(interval), stageMeans(interval));
    }

    private static String cpuShares(Interval interval) {
        if (interval.cpu().isEmpty() || interval.seconds() <= 0) {
            return "–";
        }
        double ns = interval.seconds() * 1e9 / 100;
        long handler = interval.cpu().getOrDefault(ReplicationProbe.ENGINE, 0L) + interval.cpu().getOrDefault(ReplicationProbe.INSERT, 0L);
        return share(interval.cpu().getOrDefault(ReplicationProbe.DECODING, 0L), ns) + " / "
                + share(interval.cpu().getOrDefault(ReplicationProbe.WALSENDER, 0L), ns) + " / " + share(handler, ns);
    }

    /** Time Debezium's decoding thread was runnable but had no CPU (the kernel's run-queue wait), in % of the interval. */
    private static String runQueueShare(Interval interval) {
        Long waited = interval.cpu().get(ReplicationProbe.DECODING_RUN_QUEUE);
        return waited == null || interval.seconds() <= 0 ? "–" : share(waited, interval.seconds() * 1e9 / 100);
    }

    /** The ClickHouse server's CPU and its threads' run-queue wait (summed over threads), in % of a core. */
    private static String clickHouseShares(Interval interval) {
        Long cpu = interval.cpu().get(ReplicationProbe.CLICKHOUSE);
        Long waited = interval.cpu().get(ReplicationProbe.CLICKHOUSE_RUN_QUEUE);
        if (cpu == null || waited == null || interval.seconds() <= 0) {
            return "–";
        }
        double ns = interval.seconds() * 1e9 / 100;
        return share(cpu, ns) + " / " + share(waited, ns);
    }

    /** A thread that restarted within the interval (the stream was restarted) leaves no comparable figure. */
    private static String share(long cpuNanos, double nanosPerPercent) {
        return cpuNanos < 0 ? "–" : String.format("%.0f", cpuNanos / nanosPerPercent);
    }

    private static String batches(Interval interval) {
        double[] insert = interval.stages().get("insert");
        return insert == null ? "–" : String.format("%,.0f", insert[0]);
    }

    private static String stageMeans(Interval interval) {
        if (interval.stages().isEmpty()) {
            return "–";
        }
        return java.util.stream.Stream.of("poll", "convert", "insert", "insert_wait", "acknowledge").map(stage -> {
            double[] v = interval.stages().get(stage);
            return v == null || v[0] == 0 ? "–" : String.format("%.0f", v[1] * 1000 / v[0]);
        }).collect(Collectors.joining(" / "));
    }

    /** The smallest bucket bound holding {@code q} of the samples ({@code counts} cumulative per bound). */
    private static String percentile(long[] counts, long total, double q) {
        if (total == 0) {
            return "–";
        }
        long needed = (long) Math.ceil(q * total);
        for (int i = 0; i < BOUNDS_MS.length; i++) {
            if (counts[i] >= needed) {
                return "≤ " + String.format("%,d", BOUNDS_MS[i]) + " ms";
            }
        }
        return "> " + String.format("%,d", BOUNDS_MS[BOUNDS_MS.length - 1]) + " ms";
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
