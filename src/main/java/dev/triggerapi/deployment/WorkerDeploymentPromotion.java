package dev.triggerapi.deployment;

import java.time.Instant;

import dev.triggerapi.datasource.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * The environment's current deployment (table {@code worker_deployment_promotions}, one row per environment):
 * promotion and rollback move it. Written under the environment's deployment lock, so read-then-write is safe.
 */
@Entity
@Table(name = "worker_deployment_promotions")
class WorkerDeploymentPromotion extends AssignedIdEntity {

    @Id
    @Column(name = "runtime_environment_id")
    private String environmentId;
    @Column(nullable = false)
    private String label;
    @Column(name = "deployment_id", nullable = false)
    private String deploymentId;
    @Column(name = "worker_id", nullable = false)
    private String workerId;
    @Column(name = "promoted_at", nullable = false)
    private Instant promotedAt;

    protected WorkerDeploymentPromotion() {
    }

    WorkerDeploymentPromotion(String environmentId) {
        this.environmentId = environmentId;
        this.label = "current";
    }

    @Override
    public String getId() {
        return environmentId;
    }

    String workerId() {
        return workerId;
    }

    /** Makes {@code deployment} current as of {@code now}. */
    void promote(WorkerDeployment deployment, Instant now) {
        this.deploymentId = deployment.getId();
        this.workerId = deployment.worker().getId();
        this.promotedAt = now;
    }
}
