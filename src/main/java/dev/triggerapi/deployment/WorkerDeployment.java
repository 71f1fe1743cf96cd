package dev.triggerapi.deployment;

import java.time.Instant;

import dev.triggerapi.datasource.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/** The deployment of one worker version outside DEVELOPMENT (table {@code worker_deployments}). */
@Entity
@Table(name = "worker_deployments")
class WorkerDeployment extends AssignedIdEntity {

    @Id
    private String id;
    @Column(name = "runtime_environment_id", nullable = false, updatable = false)
    private String environmentId;
    /** Lazy: the promotion lookup fetches it in its query. */
    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "worker_id", nullable = false, updatable = false)
    private BackgroundWorker worker;
    @Column(nullable = false, updatable = false)
    private String version;
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    protected WorkerDeployment() {
    }

    WorkerDeployment(String id, String environmentId, BackgroundWorker worker, String version) {
        this.id = id;
        this.environmentId = environmentId;
        this.worker = worker;
        this.version = version;
    }

    @Override
    public String getId() {
        return id;
    }

    BackgroundWorker worker() {
        return worker;
    }

    String version() {
        return version;
    }

    Instant createdAt() {
        return createdAt;
    }
}
