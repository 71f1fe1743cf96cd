package dev.triggerapi.deployment;

import java.time.Instant;

import dev.triggerapi.datasource.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * One registered worker version of an environment (table {@code background_workers}). Its tasks and its declared
 * queues ({@code background_worker_queues}) are written by the registration's bulk inserts in the same
 * transaction and never change afterwards; the trigger path reads the queues with SQL ({@link WorkerTaskLookup}),
 * so the entity maps no association to them.
 */
@Entity
@Table(name = "background_workers")
class BackgroundWorker extends AssignedIdEntity {

    @Id
    private String id;
    @Column(name = "friendly_id", nullable = false, updatable = false)
    private String friendlyId;
    @Column(name = "runtime_environment_id", nullable = false, updatable = false)
    private String environmentId;
    @Column(nullable = false, updatable = false)
    private String version;
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    protected BackgroundWorker() {
    }

    BackgroundWorker(String id, String environmentId, String version) {
        this.id = id;
        this.friendlyId = "worker_" + id;
        this.environmentId = environmentId;
        this.version = version;
    }

    @Override
    public String getId() {
        return id;
    }

    String friendlyId() {
        return friendlyId;
    }
}
