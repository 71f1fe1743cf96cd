package dev.triggerapi.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the local cluster's server commands. PostgreSQL refuses to run as root, and CI runs as root, so
 * when this JVM is root every server command runs as the unprivileged {@code nobody} user (uid/gid 65534)
 * through {@code setpriv}, and the directories it writes are handed to that user.
 */
final class ServerProcesses {

    static final int UNPRIVILEGED_ID = 65534;

    private final boolean dropPrivileges;

    ServerProcesses() {
        this.dropPrivileges = runningAsRoot();
    }

    static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            // Not Linux /proc: fall through to the user name.
        }
        return "root".equals(System.getProperty("user.name"));
    }

    /** Creates {@code dir} (and parents) owned by the user the servers run as. */
    Path ownedDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            if (dropPrivileges) {
                Files.setAttribute(dir, "unix:uid", UNPRIVILEGED_ID);
                Files.setAttribute(dir, "unix:gid", UNPRIVILEGED_ID);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare directory " + dir, e);
        }
    }

    /** Writes a file the servers can read and rewrite. */
    void writeOwned(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
            if (dropPrivileges) {
                Files.setAttribute(file, "unix:uid", UNPRIVILEGED_ID);
                Files.setAttribute(file, "unix:gid", UNPRIVILEGED_ID);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    /**
     * Starts a detached shell (its own session, so it outlives this JVM) that waits for this JVM to be gone and then
     * runs {@code cleanup}. It covers a {@code kill -9} of the JVM, where shutdown hooks never run.
     *
     * @return false when the shell could not be started
     */
    static boolean afterJvmExit(String cleanup) {
        String script = "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null; do sleep 1; done; " + cleanup;
        try {
            new ProcessBuilder("setsid", "sh", "-c", script)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The prefix that starts a server in a session of its own ({@code setsid}), or nothing where there is no
     * {@code setsid}. As on a host or in a container of its own, the kernel's autogroup scheduling then gives the
     * server its own CPU share instead of a thread's share next to every thread of this JVM: under a load test's
     * HTTP clients and request threads, the local ClickHouse's inserts took 200-800 ms instead of 40-160 (BENCHMARKS.md,
     * runs replication, fourth pass). PostgreSQL's {@code pg_ctl} starts its server the same way. A child of the JVM
     * does not lead a process group, so {@code setsid} execs in place and the pid the JVM knows is the server's.
     */
    static List<String> ownSession() {
        return onPath("setsid").map(setsid -> List.of(setsid.toString())).orElse(List.of());
    }

    /** An executable of that name on the {@code PATH}. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String entry : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(entry, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** {@code path} single-quoted for {@code sh}. */
    static String quote(Path path) {
        return "'" + path.toString().replace("'", "'\\''") + "'";
    }

    List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        if (dropPrivileges) {
            cmd.addAll(List.of("setpriv", "--reuid=" + UNPRIVILEGED_ID, "--regid=" + UNPRIVILEGED_ID, "--clear-groups", "--"));
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs a command to completion; a non-zero exit fails with the command's own output. */
    String run(long timeoutSeconds, String... args) {
        ProcessBuilder pb = new ProcessBuilder(command(args)).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("Timed out after " + timeoutSeconds + " s: " + String.join(" ", args));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("Command failed (exit " + p.exitValue() + "): "
                        + String.join(" ", args) + "\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + args[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + args[0], e);
        }
    }
}
