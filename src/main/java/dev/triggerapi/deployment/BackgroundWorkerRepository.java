package dev.triggerapi.deployment;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** Worker versions. Callers choose replica or writer by their transaction (read-only = replica). */
interface BackgroundWorkerRepository extends JpaRepository<BackgroundWorker, String> {

    Optional<BackgroundWorker> findByEnvironmentIdAndVersion(String environmentId, String version);

    /** The id of the worker registered as {@code version} (the trigger path's locked lookup: no entity built). */
    @Query("select w.id from BackgroundWorker w where w.environmentId = :environmentId and w.version = :version")
    Optional<String> findIdByEnvironmentIdAndVersion(String environmentId, String version);

    /** The newest worker's id: DEVELOPMENT's current one (index {@code background_workers_env_newest}). */
    @Query("""
            select w.id from BackgroundWorker w where w.environmentId = :environmentId
            order by w.createdAt desc, w.id desc limit 1""")
    Optional<String> findNewestId(String environmentId);

    /** The queues the worker declared, restricted to the environment; one statement, no entity built. */
    @Query("""
            select new dev.triggerapi.deployment.QueueRow(q.id, q.name)
            from BackgroundWorker w join w.queues q where w.id = :workerId and q.environmentId = :environmentId""")
    List<QueueRow> findQueues(String environmentId, String workerId);
}
