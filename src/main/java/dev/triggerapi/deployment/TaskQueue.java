package dev.triggerapi.deployment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.Immutable;

/**
 * A named queue of an environment (table {@code task_queues}), as workers declare it. Created and updated by the
 * registration's bulk upsert; the operator's pause and override columns belong to {@code queue.QueueManagement}
 * and are not mapped here.
 */
@Entity
@Immutable
@Table(name = "task_queues")
class TaskQueue {

    @Id
    private String id;
    @Column(name = "runtime_environment_id", nullable = false, updatable = false)
    private String environmentId;
    @Column(nullable = false, updatable = false)
    private String name;

    protected TaskQueue() {
    }

    String id() {
        return id;
    }

    String name() {
        return name;
    }
}
