package dev.triggerapi.support;

import java.time.Duration;

import dev.triggerapi.local.LocalCluster;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Puts the replica back to no apply delay after each test, so lag never leaks into the next test. */
public class ReplicaDelayReset implements AfterEachCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        LocalCluster cluster = LocalCluster.sharedIfRunning();
        if (cluster != null && cluster.replicaJdbcUrl() != null && !cluster.replicaApplyDelay().isZero()) {
            cluster.setReplicaApplyDelay(Duration.ZERO);
        }
    }
}
