package dev.triggerapi.support;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Puts the replica back to no apply delay after each test, so lag never leaks into the next test. */
public class ReplicaDelayReset implements AfterEachCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        Cluster.resetReplicaDelay();
    }
}
