package dev.triggerapi.support;

import java.util.List;

import dev.triggerapi.deployment.TriggerSource;
import dev.triggerapi.deployment.WorkerRegistration;
import dev.triggerapi.deployment.WorkerRegistration.QueueDeclaration;
import dev.triggerapi.deployment.WorkerRegistration.TaskDeclaration;
import tools.jackson.databind.node.StringNode;

/** Builds worker registrations for tests. */
public final class Registrations {

    private Registrations() {
    }

    public static WorkerRegistration worker(String version, TaskDeclaration... tasks) {
        return new WorkerRegistration(version, List.of(tasks));
    }

    /** A STANDARD task with a ttl and its own queue. */
    public static TaskDeclaration task(String slug, String ttl, String queue) {
        return new TaskDeclaration(slug, ttl == null ? null : StringNode.valueOf(ttl), TriggerSource.STANDARD,
                new QueueDeclaration(queue, 5));
    }
}
