package dev.triggerapi.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What the runs replication spent, read from outside it for benches and the load test: CPU time per thread role
 * (Debezium's decoding thread, the engine thread running the handler, the insert threads, and the PostgreSQL
 * walsender serving the slot, from {@code /proc}) and the service's {@code runs_replication.stage} timers.
 * Every figure is cumulative; callers subtract two readings.
 */
final class ReplicationProbe {

    static final String DECODING = "Debezium decoding (pgoutput → change events)";
    static final String ENGINE = "Debezium engine thread (poll, handler convert, acknowledge)";
    static final String INSERT = "insert threads (JSON body, HTTP INSERT)";
    static final String WALSENDER = "PostgreSQL walsender (logical decoding, pgoutput)";
    /**
     * Not CPU: the time Debezium's threads were runnable but waited for a CPU ({@code /proc/.../schedstat}). The kernel
     * knows them only as {@code debezium-postgr...}; all but the decoding thread sleep nearly always, so this is the
     * decoding thread's wait.
     */
    static final String DECODING_RUN_QUEUE = "Debezium decoding thread: runnable, waiting for a CPU";
    /** CPU of the ClickHouse server on this machine, all its threads ({@code /proc/.../schedstat}). */
    static final String CLICKHOUSE = "ClickHouse server (inserts, merges, queries)";
    /**
     * Not CPU: the time the ClickHouse server's threads were runnable but waited for a CPU, summed over its threads (so
     * it can exceed the interval when several wait at once; a thread that ended between two readings is not counted,
     * unlike in the server's CPU, which is the process's). It says whether a slow insert is ClickHouse's own work or
     * ClickHouse being short of CPU on a shared machine.
     */
    static final String CLICKHOUSE_RUN_QUEUE = "ClickHouse server threads: runnable, waiting for a CPU";

    /** What the kernel keeps of Debezium's thread names (15 characters). */
    private static final String DEBEZIUM_THREADS = "debezium-postgr";

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ReplicationProbe() {
    }

    /** Per stage: count and total seconds of {@code runs_replication.stage}. */
    static Map<String, double[]> stages(MeterRegistry meters) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Timer timer : meters.find("runs_replication.stage").timers()) {
            out.put(timer.getId().getTag("stage"), new double[] {timer.count(), timer.totalTime(TimeUnit.SECONDS)});
        }
        return out;
    }

    static Map<String, double[]> minus(Map<String, double[]> after, Map<String, double[]> before) {
        Map<String, double[]> out = new LinkedHashMap<>();
        after.forEach((stage, a) -> {
            double[] b = before.getOrDefault(stage, new double[2]);
            out.put(stage, new double[] {a[0] - b[0], a[1] - b[1]});
        });
        return out;
    }

    /**
     * CPU nanoseconds of the replication's threads by role, and of the walsender that decodes the WAL for the slot.
     * Threads that end between two readings are lost, so phases are measured while they live.
     */
    static Map<String, Long> cpu(JdbcClient writer) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            String group = role(info.getThreadName());
            if (group != null) {
                out.merge(group, Math.max(0, THREADS.getThreadCpuTime(info.getThreadId())), Long::sum);
            }
        }
        addRunQueueWait(Path.of("/proc/self/task"), DEBEZIUM_THREADS, DECODING_RUN_QUEUE, out);
        addWalsender(writer, out);
        addClickHouse(out);
        return out;
    }

    /** Adds the run-queue wait ({@code schedstat}) of the threads in {@code tasks} whose name starts with {@code commPrefix}. */
    private static void addRunQueueWait(Path tasks, String commPrefix, String key, Map<String, Long> out) {
        try (var list = Files.list(tasks)) {
            list.forEach(task -> {
                try {
                    if (Files.readString(task.resolve("comm")).startsWith(commPrefix)) {
                        String[] f = Files.readString(task.resolve("schedstat")).strip().split(" ");
                        out.merge(key, Long.parseLong(f[1]), Long::sum);
                    }
                } catch (Exception e) {
                    // the thread ended meanwhile
                }
            });
        } catch (Exception e) {
            // not on Linux, or no schedstat: no figure
        }
    }

    /**
     * The same for the replication running in another process ({@link StreamProcess}), read from
     * {@code /proc/<pid>/task}. The kernel keeps the first 15 characters of a thread's name, so Debezium's decoding
     * thread is known there only as {@code debezium-postgr...}, which its other threads share, and the insert threads
     * as {@code runs-replicatio...}, which the replicator's control thread shares (they do little).
     */
    static Map<String, Long> cpuOfProcess(long pid, JdbcClient writer) {
        Map<String, Long> out = new LinkedHashMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            tasks.forEach(task -> {
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    String group = comm.startsWith(DEBEZIUM_THREADS) ? DECODING
                            : comm.startsWith("runs-replicatio") ? INSERT
                            : role(comm);
                    if (group != null) {
                        out.merge(group, ProcessCpu.cpuNanos(Files.readString(task.resolve("stat"))), Long::sum);
                    }
                } catch (Exception e) {
                    // the thread ended meanwhile
                }
            });
        } catch (Exception e) {
            // the process is gone or not on Linux: no thread figures
        }
        addRunQueueWait(Path.of("/proc/" + pid + "/task"), DEBEZIUM_THREADS, DECODING_RUN_QUEUE, out);
        addWalsender(writer, out);
        addClickHouse(out);
        return out;
    }

    private static String role(String threadName) {
        return threadName.contains("change-event-source-coordinator") ? DECODING
                : threadName.startsWith("runs-replication-insert-") ? INSERT
                : threadName.startsWith("pool-") ? ENGINE
                : null;
    }

    private static void addWalsender(JdbcClient writer, Map<String, Long> out) {
        try {
            writer.sql("SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'task_runs_clickhouse' AND active_pid IS NOT NULL")
                    .query(Integer.class).optional().ifPresent(pid -> {
                        try {
                            out.put(WALSENDER, ProcessCpu.cpuNanos(Files.readString(Path.of("/proc/" + pid + "/stat"))));
                        } catch (Exception e) {
                            // not on Linux or not readable: left out
                        }
                    });
        } catch (RuntimeException e) {
            // the writer busy or away: this reading has no walsender figure
        }
    }

    /** CPU and run-queue wait of every ClickHouse server process on this machine (the kernel names it {@code clickhouse-serv}). */
    private static void addClickHouse(Map<String, Long> out) {
        ProcessCpu.processes().forEach((pid, comm) -> {
            if (comm.startsWith("clickhouse-serv")) {
                try {
                    out.merge(CLICKHOUSE, ProcessCpu.cpuNanos(Files.readString(Path.of("/proc/" + pid + "/stat"))), Long::sum);
                } catch (Exception e) {
                    return; // the process ended meanwhile
                }
                addRunQueueWait(Path.of("/proc/" + pid + "/task"), "", CLICKHOUSE_RUN_QUEUE, out);
            }
        });
    }

    static Map<String, Long> minusCpu(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> out = new LinkedHashMap<>();
        after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0L)));
        return out;
    }
}
