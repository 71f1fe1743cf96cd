package dev.triggerapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM running one of the {@code *ChildProcess} mains on this classpath, which start servers, print
 * {@code PID <n>} lines and then {@code READY}. Used to prove no server outlives the JVM that started it.
 *
 * @param process the child JVM
 * @param pids    the server PIDs it printed
 */
record ChildJvm(Process process, List<Long> pids) {

    static ChildJvm start(Class<?> main, String mode) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-cp", System.getProperty("java.class.path"), main.getName(), mode)
                .redirectErrorStream(true).start();
        List<Long> pids = new ArrayList<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder transcript = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            transcript.append(line).append('\n');
            if (line.startsWith("PID ")) {
                pids.add(Long.parseLong(line.substring(4).trim()));
            } else if (line.equals("READY")) {
                break;
            }
        }
        assertThat(line).as("child output:\n%s", transcript).isEqualTo("READY");
        Thread drain = new Thread(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // child gone
            }
        });
        drain.setDaemon(true);
        drain.start();
        return new ChildJvm(p, pids);
    }

    /**
     * Whether the process leads a session of its own (its own CPU share under autogroup scheduling,
     * {@link ServerProcesses#ownSession()}).
     */
    static boolean leadsOwnSession(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[3]) == pid;
        } catch (IOException e) {
            return false;
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
