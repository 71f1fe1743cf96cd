package dev.triggerapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The local ClickHouse never outlives the JVM that started it, whether that JVM exits or is killed. */
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

        child.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> child.pids().stream().noneMatch(ChildJvm::alive));
    }
}
