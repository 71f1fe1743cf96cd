package dev.triggerapi.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts each server of a load test into a CPU control group of its own with equal {@code cpu.shares}: this JVM (the
 * service and the load generator), the runs replication's process when there is one, each PostgreSQL server (its
 * postmaster and every process under it; backends forked later inherit the group), ClickHouse and Redis. That is
 * how they share a machine's CPUs as containers on one host (docker compose) or, more loosely, as hosts of their
 * own: server by server.
 *
 * <p>Without it the kernel shares CPU between sessions first (autogroups): every PostgreSQL backend and walsender
 * leads a session of its own, so under a load that saturates the machine PostgreSQL gets one share per busy
 * connection and ClickHouse or the stream process get one share each (BENCHMARKS.md, issue 13, "Ninth data point").
 *
 * <p>Linux with the cgroup v1 {@code cpu} controller mounted writable at {@code /sys/fs/cgroup/cpu} (root); anything
 * else is refused with a message, so a run never silently measures something other than it says. {@link #close}
 * moves every process back to the root group and removes the groups.
 */
final class CpuGroups implements AutoCloseable {

    private static final Path ROOT = Path.of("/sys/fs/cgroup/cpu");

    private final Path base;
    private final Map<String, List<Long>> members;

    private CpuGroups(Path base, Map<String, List<Long>> members) {
        this.base = base;
        this.members = members;
    }

    /** Creates the groups and moves the servers into them; {@code streamPid} is the stream's process, or -1. */
    static CpuGroups create(long streamPid) throws IOException {
        if (!Files.isWritable(ROOT.resolve("cgroup.procs")) || !Files.exists(ROOT.resolve("cpu.shares"))) {
            throw new IllegalStateException("--cpu-groups needs the cgroup v1 cpu controller mounted writable at " + ROOT
                    + " (Linux, as root)");
        }
        Path base = ROOT.resolve("trigger-api-load-" + ProcessHandle.current().pid());
        Files.createDirectories(base);
        Map<String, List<Long>> members = new TreeMap<>();
        members.put("service", List.of(ProcessHandle.current().pid()));
        if (streamPid > 0) {
            members.put("stream", List.of(streamPid));
        }
        // Postmasters first, so that backends forked meanwhile land in their server's group; then every process.
        Map<Long, String> comms = ProcessCpu.processes();
        Map<String, List<Long>> postgres = new TreeMap<>();
        for (int pass = 0; pass < 2; pass++) {
            for (Map.Entry<Long, String> p : comms.entrySet()) {
                String comm = p.getValue();
                long pid = p.getKey();
                if (comm.equals("postgres")) {
                    long postmaster = postmasterOf(pid, comms);
                    if (pass == 0 && postmaster != pid) {
                        continue;
                    }
                    postgres.computeIfAbsent("postgres-" + postmaster, k -> new ArrayList<>()).add(pid);
                } else if (pass == 1 && comm.startsWith("clickhouse")) {
                    members.computeIfAbsent("clickhouse", k -> new ArrayList<>()).add(pid);
                } else if (pass == 1 && comm.startsWith("redis-server")) {
                    members.computeIfAbsent("redis", k -> new ArrayList<>()).add(pid);
                }
            }
            postgres.forEach((group, pids) -> move(base, group, pids));
            if (pass == 0) {
                postgres.clear();
                comms = ProcessCpu.processes();
            }
        }
        members.putAll(postgres);
        members.forEach((group, pids) -> move(base, group, pids));
        return new CpuGroups(base, members);
    }

    /** One line: the groups and how many processes each holds. */
    String describe() {
        StringBuilder line = new StringBuilder();
        members.forEach((group, pids) -> line.append(line.isEmpty() ? "" : ", ").append(group)
                .append(" (").append(pids.size()).append(pids.size() == 1 ? " process)" : " processes)"));
        return line + "; cpu.shares 1024 each";
    }

    private static void move(Path base, String group, List<Long> pids) {
        Path dir = base.resolve(group);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create CPU group " + dir, e);
        }
        for (long pid : pids) {
            try {
                Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
            } catch (IOException e) {
                // the process ended meanwhile (a backend closed by its pool)
            }
        }
    }

    /** Walks up the parent chain while the parent is a {@code postgres} process too. */
    private static long postmasterOf(long pid, Map<Long, String> comms) {
        long current = pid;
        for (int depth = 0; depth < 8; depth++) {
            long parent = parentOf(current);
            if (parent <= 1 || !"postgres".equals(comms.get(parent))) {
                return current;
            }
            current = parent;
        }
        return current;
    }

    private static long parentOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
        } catch (Exception e) {
            return -1;
        }
    }

    /** Moves every process still in a group back to the root group and removes the groups. */
    @Override
    public void close() {
        try (var groups = Files.list(base)) {
            for (Path group : groups.filter(Files::isDirectory).toList()) {
                for (String pid : Files.readAllLines(group.resolve("cgroup.procs"))) {
                    try {
                        Files.writeString(ROOT.resolve("cgroup.procs"), pid.strip());
                    } catch (IOException e) {
                        // ended meanwhile
                    }
                }
                Files.deleteIfExists(group);
            }
            Files.deleteIfExists(base);
        } catch (IOException e) {
            System.err.println("could not remove the CPU groups under " + base + ": " + e.getMessage());
        }
    }
}
