package dev.triggerapi.deployment;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** Worker versions. Callers choose replica or writer by their transaction (read-only = replica). */
interface BackgroundWorkerRepository extends JpaRepository<BackgroundWorker, String> {

    Optional<BackgroundWorker> findByEnvironmentIdAndVersion(String environmentId, String version);

    /** The newest worker: DEVELOPMENT's current one (index {@code background_workers_env_newest}). */
    Optional<BackgroundWorker> findFirstByEnvironmentIdOrderByCreatedAtDescIdDesc(String environmentId);

    /** The queues the worker declared, restricted to the environment; one statement. */
    @Query("select q from BackgroundWorker w join w.queues q where w.id = :workerId and q.environmentId = :environmentId")
    List<TaskQueue> findQueues(String environmentId, String workerId);
}
