package dev.triggerapi.support;

import java.time.Duration;

import dev.triggerapi.local.LocalCluster;

/**
 * Test access to the JVM's cluster: the embedded one (started by the first Spring context), or the containers
 * when that fixture is selected ({@link ContainerCluster}). Lag is set the same way on either.
 */
public final class Cluster {

    private Cluster() {
    }

    /** The embedded cluster, for tests that inject faults into its processes. */
    public static LocalCluster get() {
        LocalCluster cluster = LocalCluster.sharedIfRunning();
        if (cluster == null) {
            throw new IllegalStateException("No local cluster: start a Spring context (@IntegrationTest) first");
        }
        return cluster;
    }

    /** Makes the replica apply commits only after {@code delay} (reset after the test). */
    public static void replicaDelay(Duration delay) {
        ContainerCluster containers = ContainerCluster.sharedIfRunning();
        if (containers != null) {
            containers.setReplicaApplyDelay(delay);
        } else {
            get().setReplicaApplyDelay(delay);
        }
    }

    /** Puts the replica back to no apply delay if a test left one (no-op without a cluster or replica). */
    static void resetReplicaDelay() {
        ContainerCluster containers = ContainerCluster.sharedIfRunning();
        if (containers != null) {
            if (!containers.replicaApplyDelay().isZero()) {
                containers.setReplicaApplyDelay(Duration.ZERO);
            }
            return;
        }
        LocalCluster cluster = LocalCluster.sharedIfRunning();
        if (cluster != null && cluster.replicaJdbcUrl() != null && !cluster.replicaApplyDelay().isZero()) {
            cluster.setReplicaApplyDelay(Duration.ZERO);
        }
    }
}
