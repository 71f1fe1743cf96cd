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

    /** The replica's host and port as {@code host:port}, on either fixture (tests that open their own connections). */
    public static String replicaHostAndPort() {
        ContainerCluster containers = ContainerCluster.sharedIfRunning();
        if (containers != null) {
            return containers.replicaHostAndPort();
        }
        return "127.0.0.1:" + get().replicaPort();
    }

    /** The database user of either fixture. */
    public static String username() {
        ContainerCluster containers = ContainerCluster.sharedIfRunning();
        return containers != null ? containers.username() : get().username();
    }

    /** The database password of either fixture (the embedded cluster trusts local connections: empty). */
    public static String password() {
        ContainerCluster containers = ContainerCluster.sharedIfRunning();
        return containers != null ? containers.password() : "";
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
