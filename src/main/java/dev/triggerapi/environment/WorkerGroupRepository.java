package dev.triggerapi.environment;

import java.util.Optional;

import jakarta.persistence.LockModeType;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

/** Worker groups by id or name. */
interface WorkerGroupRepository extends JpaRepository<WorkerGroup, String> {

    Optional<WorkerGroup> findByName(String name);

    /** The group, share-locked until commit (issuing a token for it). */
    @Lock(LockModeType.PESSIMISTIC_READ)
    @Query("select g from WorkerGroup g where g.id = :id")
    Optional<WorkerGroup> findForShare(String id);
}
