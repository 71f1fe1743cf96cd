package dev.triggerapi.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of every process on the machine at one moment, by program: this JVM (the service and the load generator),
 * the runs replication's own process when there is one ({@link StreamProcess}), PostgreSQL, ClickHouse, Redis and
 * the rest. The difference of two readings says which program a load phase's CPU went to. Linux only (empty
 * elsewhere); processes that start and end between two readings are not seen.
 */
final class ProcessCpu {

    static final String SERVICE = "service + load generator (this JVM)";
    static final String STREAM = "runs replication process";
    static final String POSTGRES = "PostgreSQL (all processes)";
    static final String CLICKHOUSE = "ClickHouse";
    static final String REDIS = "Redis";
    static final String OTHER = "everything else";

    private ProcessCpu() {
    }

    /** CPU nanoseconds by program; {@code streamPid} is the replication's process, or -1. */
    static Map<String, Long> read(long streamPid) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String group : new String[] {SERVICE, STREAM, POSTGRES, CLICKHOUSE, REDIS, OTHER}) {
            out.put(group, 0L);
        }
        long self = ProcessHandle.current().pid();
        try (var procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    long pid = Long.parseLong(p.getFileName().toString());
                    String stat = Files.readString(p.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    long nanos = cpuNanos(stat);
                    String group = pid == self ? SERVICE
                            : pid == streamPid ? STREAM
                            : comm.equals("postgres") ? POSTGRES
                            : comm.startsWith("clickhouse") ? CLICKHOUSE
                            : comm.startsWith("redis-server") ? REDIS
                            : OTHER;
                    out.merge(group, nanos, Long::sum);
                } catch (Exception e) {
                    // the process ended meanwhile
                }
            });
        } catch (Exception e) {
            return Map.of();
        }
        return out;
    }

    /** User + system CPU of a {@code /proc/.../stat} line (a process's or a thread's), in nanoseconds (USER_HZ = 100). */
    static long cpuNanos(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }

    /** Every process on the machine now: pid → the kernel's name for it ({@code comm}, at most 15 characters). */
    static Map<Long, String> processes() {
        Map<Long, String> out = new LinkedHashMap<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    out.put(Long.parseLong(p.getFileName().toString()), Files.readString(p.resolve("comm")).strip());
                } catch (Exception e) {
                    // the process ended meanwhile
                }
            });
        } catch (Exception e) {
            // not on Linux: none
        }
        return out;
    }

    /** One line: each program's share of the interval, in cores. */
    static String describe(Map<String, Long> before, Map<String, Long> after, double seconds) {
        StringBuilder line = new StringBuilder();
        after.forEach((group, nanos) -> {
            long used = nanos - before.getOrDefault(group, 0L);
            if (used > 0 || group.equals(STREAM) && nanos > 0) {
                line.append(line.isEmpty() ? "" : ", ").append(group).append(' ')
                        .append(String.format("%.2f", used / 1e9 / seconds));
            }
        });
        return line.toString();
    }
}
