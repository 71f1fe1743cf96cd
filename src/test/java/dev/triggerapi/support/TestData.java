package dev.triggerapi.support;

import java.util.concurrent.atomic.AtomicInteger;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.ids.Ids;

/** Fresh tenants per test class: every call makes a new organization, so test classes never share data. */
public final class TestData {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestData() {
    }

    public static ProvisionedEnvironment environment(EnvironmentProvisioning provisioning, EnvironmentType type) {
        String slug = "org-" + COUNTER.incrementAndGet() + "-" + Ids.newId();
        return provisioning.createEnvironment(slug, "project", type);
    }

    public static ProvisionedWorkerGroup workerGroup(EnvironmentProvisioning provisioning) {
        return provisioning.createWorkerGroup("wg-" + COUNTER.incrementAndGet() + "-" + Ids.newId());
    }
}
