package dev.triggerapi.trigger;

import java.time.Instant;

import dev.triggerapi.datasource.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A batch of runs (table {@code task_run_batches}); its runs point at it through {@code task_runs.batch_id}. A
 * one-shot batch is sealed when created; a streamed one seals once every index has its run.
 */
@Entity
@Table(name = "task_run_batches")
class TaskRunBatch extends AssignedIdEntity {

    @Id
    private String id;
    @Column(name = "friendly_id", nullable = false, updatable = false)
    private String friendlyId;
    @Column(name = "runtime_environment_id", nullable = false, updatable = false)
    private String environmentId;
    @Column(name = "run_count", nullable = false, updatable = false)
    private int runCount;
    @Column(nullable = false)
    private boolean sealed;
    @Column(name = "idempotency_key", updatable = false)
    private String idempotencyKey;
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    protected TaskRunBatch() {
    }

    /** A batch whose runs are all created with it (sealed at once). */
    static TaskRunBatch sealed(String id, String environmentId, int runCount) {
        TaskRunBatch batch = new TaskRunBatch();
        batch.id = id;
        batch.friendlyId = BatchStore.friendlyId(id);
        batch.environmentId = environmentId;
        batch.runCount = runCount;
        batch.sealed = true;
        return batch;
    }

    @Override
    public String getId() {
        return id;
    }

    String friendlyId() {
        return friendlyId;
    }

    int runCount() {
        return runCount;
    }

    boolean isSealed() {
        return sealed;
    }

    String idempotencyKey() {
        return idempotencyKey;
    }

    Instant createdAt() {
        return createdAt;
    }

    void seal() {
        sealed = true;
    }
}
