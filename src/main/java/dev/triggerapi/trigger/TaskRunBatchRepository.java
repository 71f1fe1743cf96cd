package dev.triggerapi.trigger;

import java.util.Optional;

import jakarta.persistence.LockModeType;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

/** Batches. Callers choose replica or writer by their transaction (read-only = replica). */
interface TaskRunBatchRepository extends JpaRepository<TaskRunBatch, String> {

    Optional<TaskRunBatch> findByEnvironmentIdAndFriendlyId(String environmentId, String friendlyId);

    Optional<TaskRunBatch> findByEnvironmentIdAndIdempotencyKey(String environmentId, String idempotencyKey);

    /** The batch, locked until commit: streamed items of one batch are deduplicated one request at a time. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select b from TaskRunBatch b where b.id = :id")
    Optional<TaskRunBatch> findForUpdate(String id);
}
