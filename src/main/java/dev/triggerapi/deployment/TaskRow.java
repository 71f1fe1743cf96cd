package dev.triggerapi.deployment;

import dev.triggerapi.taskmeta.TaskMetadata;

/**
 * The columns a trigger needs of one task on one worker, read as a constructor projection: the trigger path's
 * lookups build no entity, so Hibernate skips entity initialisation and the persistence context on the hot path
 * (measured in BENCHMARKS.md, "JPA for the domain model").
 */
record TaskRow(String workerId, String ttl, String triggerSource, String queueId, String queueName) {

    TaskMetadata metadata() {
        return new TaskMetadata(ttl, triggerSource, queueId, queueName);
    }
}
