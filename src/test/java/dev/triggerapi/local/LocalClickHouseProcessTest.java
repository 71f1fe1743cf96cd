package dev.triggerapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The local ClickHouse never outlives the JVM that started it, whether that JVM exits or is killed. It runs in a
 * session of its own (its own CPU share under autogroup scheduling), and the pid the JVM knows is the server's.
 */
class LocalClickHouseProcessTest {

    @Test
    void serverStopsWhenTheJvmExitsNormally() throws Exception {
        ChildJvm child = ChildJvm.start(LocalClickHouseChildProcess.class, "exit");
        assertThat(child.pids()).hasSize(1).allMatch(ChildJvm::alive);
        assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).isTrue();

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> child.pids().stream().noneMatch(ChildJvm::alive));
    }

    @Test
    void serverStopsWhenTheJvmIsKilled() throws Exception {
        ChildJvm child = ChildJvm.start(LocalClickHouseChildProcess.class, "wait");
        assertThat(child.pids()).hasSize(1).allMatch(ChildJvm::alive);
        // Checked while the child JVM waits (one that exits stops its server right after printing its pid).
        assertThat(child.pids()).allMatch(ChildJvm::leadsOwnSession);
        assertThat(Files.readString(Path.of("/proc/" + child.pids().get(0) + "/stat"))).as("the server, not a wrapper")
                .contains("(clickhouse");

        child.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> child.pids().stream().noneMatch(ChildJvm::alive));
    }
}
