package dev.triggerapi.support;

import java.time.Duration;

import dev.triggerapi.local.LocalCluster;

/** Test access to the JVM's embedded cluster (started by the first Spring context). */
public final class Cluster {

    private Cluster() {
    }

    public static LocalCluster get() {
        LocalCluster cluster = LocalCluster.sharedIfRunning();
        if (cluster == null) {
            throw new IllegalStateException("No local cluster: start a Spring context (@IntegrationTest) first");
        }
        return cluster;
    }

    /** Makes the replica apply commits only after {@code delay} (reset after the test). */
    public static void replicaDelay(Duration delay) {
        get().setReplicaApplyDelay(delay);
    }
}
