package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import dev.triggerapi.replication.ReplicationErrorRecovery.Exit;
import dev.triggerapi.replication.ReplicationErrorRecovery.KeepPendingReconnect;
import dev.triggerapi.replication.ReplicationErrorRecovery.Reconnect;
import dev.triggerapi.replication.ReplicationErrorRecovery.StayStopped;
import dev.triggerapi.replication.RunReplicationProperties.ErrorStrategy;
import org.junit.jupiter.api.Test;

class ReplicationErrorRecoveryTest {

    private static final Instant NOW = Instant.parse("2026-12-04T20:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final RunReplicationProperties.Exit EXIT =
            new RunReplicationProperties.Exit(3, Duration.ofSeconds(5));

    private static RunReplicationProperties.Reconnect reconnect(int maxAttempts) {
        return new RunReplicationProperties.Reconnect(Duration.ofSeconds(1), Duration.ofSeconds(10), maxAttempts);
    }

    private static ReplicationErrorRecovery recovery(ErrorStrategy strategy, int maxAttempts) {
        return new ReplicationErrorRecovery(strategy, reconnect(maxAttempts), EXIT, CLOCK);
    }

    @Test
    void reconnectWaitsLongerAfterEachFailureUpToTheCap() {
        ReplicationErrorRecovery recovery = recovery(ErrorStrategy.RECONNECT, 0);

        for (long expectedSeconds : new long[] {1, 2, 4, 8, 10, 10}) {
            Reconnect decision = (Reconnect) recovery.streamFailed(false);
            assertThat(decision.delay()).isEqualTo(Duration.ofSeconds(expectedSeconds));
            assertThat(decision.at()).isEqualTo(NOW.plusSeconds(expectedSeconds));
        }
        assertThat(recovery.attempt()).isEqualTo(6);
    }

    @Test
    void aStreamThatWentLiveStartsTheBackoffOver() {
        ReplicationErrorRecovery recovery = recovery(ErrorStrategy.RECONNECT, 0);
        recovery.streamFailed(false);
        recovery.streamFailed(false);

        recovery.reset();

        assertThat(recovery.attempt()).isZero();
        assertThat(recovery.streamFailed(false)).isEqualTo(new Reconnect(1, Duration.ofSeconds(1), NOW.plusSeconds(1)));
    }

    @Test
    void aFailureWhileAReconnectIsPendingSchedulesNoSecondOne() {
        ReplicationErrorRecovery recovery = recovery(ErrorStrategy.RECONNECT, 0);
        recovery.streamFailed(false);

        assertThat(recovery.streamFailed(true)).isInstanceOf(KeepPendingReconnect.class);
        assertThat(recovery.attempt()).isEqualTo(1);
    }

    @Test
    void reconnectGivesUpAfterMaxAttemptsAndStaysStopped() {
        ReplicationErrorRecovery recovery = recovery(ErrorStrategy.RECONNECT, 2);

        assertThat(recovery.streamFailed(false)).isInstanceOf(Reconnect.class);
        assertThat(recovery.streamFailed(false)).isInstanceOf(Reconnect.class);
        assertThat(recovery.streamFailed(false)).isEqualTo(new StayStopped(true, 2));
        assertThat(recovery.streamFailed(false)).isEqualTo(new StayStopped(true, 2));
        assertThat(recovery.attempt()).isEqualTo(2);
    }

    @Test
    void exitStrategyExitsWithTheConfiguredCodeAfterTheConfiguredDelay() {
        ReplicationErrorRecovery recovery = recovery(ErrorStrategy.EXIT, 0);

        assertThat(recovery.streamFailed(false)).isEqualTo(new Exit(3, Duration.ofSeconds(5), NOW.plusSeconds(5)));
        assertThat(recovery.attempt()).isZero();
    }

    @Test
    void logStrategyStaysStoppedWithoutReconnecting() {
        ReplicationErrorRecovery recovery = recovery(ErrorStrategy.LOG, 0);

        assertThat(recovery.streamFailed(false)).isEqualTo(new StayStopped(false, 0));
        assertThat(recovery.streamFailed(true)).isEqualTo(new StayStopped(false, 0));
    }
}
