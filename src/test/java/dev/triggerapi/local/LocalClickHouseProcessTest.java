package dev.triggerapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The local ClickHouse never outlives the JVM that started it, whether that JVM exits or is killed. */
class LocalClickHouseProcessTest {

    @Test
    void serverStopsWhenTheJvmExitsNormally() throws Exception {
        Child child = Child.start("exit");
        assertThat(Child.alive(child.pid())).isTrue();
        assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).isTrue();

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !Child.alive(child.pid()));
    }

    @Test
    void serverStopsWhenTheJvmIsKilled() throws Exception {
        Child child = Child.start("wait");
        assertThat(Child.alive(child.pid())).isTrue();

        child.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !Child.alive(child.pid()));
    }

    private record Child(Process process, long pid) {

        static Child start(String mode) throws Exception {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                    LocalClickHouseChildProcess.class.getName(), mode).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder transcript = new StringBuilder();
            long pid = -1;
            String line;
            while ((line = out.readLine()) != null) {
                transcript.append(line).append('\n');
                if (line.startsWith("PID ")) {
                    pid = Long.parseLong(line.substring(4).trim());
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
            return new Child(p, pid);
        }

        static boolean alive(long pid) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }
}
