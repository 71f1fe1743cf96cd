package dev.triggerapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * No PostgreSQL or Redis process outlives the JVM that started it, whether it exits or is killed. Each runs in a
 * session of its own, and the pids the JVM knows are the servers'.
 */
class LocalClusterProcessTest {

    @Test
    void serversStopWhenTheJvmExitsNormally() throws Exception {
        ChildJvm child = ChildJvm.start(LocalClusterChildProcess.class, "exit");
        List<Long> pids = child.pids();
        assertThat(pids).hasSize(3);
        assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).isTrue();

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> pids.stream().noneMatch(ChildJvm::alive));
    }

    @Test
    void serversStopWhenTheJvmIsKilled() throws Exception {
        ChildJvm child = ChildJvm.start(LocalClusterChildProcess.class, "wait");
        List<Long> pids = child.pids();
        assertThat(pids).hasSize(3).allMatch(ChildJvm::alive);
        // Checked while the child JVM waits (one that exits stops its servers right after printing their pids).
        assertThat(pids).allMatch(ChildJvm::leadsOwnSession);
        assertThat(pids).as("the servers, not wrappers").map(pid -> Files.readString(Path.of("/proc/" + pid + "/comm")))
                .map(comm -> comm.startsWith("redis-server") ? "redis-server" : comm.strip())
                .containsExactlyInAnyOrder("postgres", "postgres", "redis-server");

        child.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> pids.stream().noneMatch(ChildJvm::alive));
    }
}
