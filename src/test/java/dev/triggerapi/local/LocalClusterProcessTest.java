package dev.triggerapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** No PostgreSQL or Redis process outlives the JVM that started it, whether it exits or is killed. */
class LocalClusterProcessTest {

    @Test
    void serversStopWhenTheJvmExitsNormally() throws Exception {
        ChildJvm child = ChildJvm.start("exit");
        List<Long> pids = child.serverPids();
        assertThat(pids).hasSize(3);
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> pids.stream().noneMatch(ChildJvm::alive));
    }

    @Test
    void serversStopWhenTheJvmIsKilled() throws Exception {
        ChildJvm child = ChildJvm.start("wait");
        List<Long> pids = child.serverPids();
        assertThat(pids).hasSize(3).allMatch(ChildJvm::alive);

        child.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> pids.stream().noneMatch(ChildJvm::alive));
    }

    private record ChildJvm(Process process, List<Long> pids) {

        static ChildJvm start(String mode) throws Exception {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                    LocalClusterChildProcess.class.getName(), mode).redirectErrorStream(true).start();
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
                } catch (java.io.IOException ignored) {
                    // child gone
                }
            });
            drain.setDaemon(true);
            drain.start();
            return new ChildJvm(p, pids);
        }

        List<Long> serverPids() {
            return pids;
        }

        static boolean alive(long pid) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }
}
