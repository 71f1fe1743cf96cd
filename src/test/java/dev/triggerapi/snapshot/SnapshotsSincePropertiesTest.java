package dev.triggerapi.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SnapshotsSincePropertiesTest {

    private static SnapshotsSinceProperties settings(Boolean enabled, long min, long max) {
        return new SnapshotsSinceProperties(enabled, min, max, 50, 4);
    }

    @Test
    void retryMinimumIsClampedBetweenZeroAndTheMaximum() {
        assertThat(settings(null, 50, 200).effectiveRetryMinMs()).isEqualTo(50);
        assertThat(settings(null, -10, 200).effectiveRetryMinMs()).isZero();
        assertThat(settings(null, 500, 200).effectiveRetryMinMs()).isEqualTo(200);
        assertThat(settings(null, 50, 0).effectiveRetryMinMs()).isZero();
    }

    @Test
    void replicaReadsDefaultToOnWhenAReplicaIsConfiguredAndNeverWithoutOne() {
        assertThat(settings(null, 50, 200).readsReplica(true)).isTrue();
        assertThat(settings(null, 50, 200).readsReplica(false)).isFalse();
        assertThat(settings(false, 50, 200).readsReplica(true)).isFalse();
        assertThat(settings(true, 50, 200).readsReplica(false)).isFalse();
    }
}
