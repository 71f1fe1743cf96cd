package dev.triggerapi.deployment;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import dev.triggerapi.datasource.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.JoinTable;
import jakarta.persistence.ManyToMany;
import jakarta.persistence.Table;

/**
 * One registered worker version of an environment (table {@code background_workers}). Its tasks and its declared
 * queues ({@code background_worker_queues}) are written by the registration's bulk inserts in the same
 * transaction and never change afterwards.
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
    /** Read-only here: the rows are inserted in bulk with the worker (see {@code DeploymentStore}). */
    @ManyToMany(fetch = FetchType.LAZY)
    @JoinTable(name = "background_worker_queues", joinColumns = @JoinColumn(name = "worker_id", insertable = false,
            updatable = false), inverseJoinColumns = @JoinColumn(name = "queue_id", insertable = false, updatable = false))
    private Set<TaskQueue> queues = new HashSet<>();

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
