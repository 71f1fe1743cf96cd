package dev.triggerapi.deployment;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/**
 * Tasks of worker versions, each with its queue fetched in the same statement. Callers choose replica or writer by
 * their transaction (read-only = replica).
 */
interface BackgroundWorkerTaskRepository extends JpaRepository<BackgroundWorkerTask, String> {

    /** {@code slug} on the environment's newest worker (DEVELOPMENT's current worker), in one statement. */
    @Query("""
            select t from BackgroundWorkerTask t left join fetch t.queue
            where t.slug = :slug and t.workerId = (
                select w.id from BackgroundWorker w where w.environmentId = :environmentId
                order by w.createdAt desc, w.id desc limit 1)""")
    Optional<BackgroundWorkerTask> findOnNewestWorker(String environmentId, String slug);

    /** {@code slug} on the environment's promoted worker, in one statement. */
    @Query("""
            select t from BackgroundWorkerTask t left join fetch t.queue
            where t.slug = :slug and t.workerId = (
                select p.workerId from WorkerDeploymentPromotion p where p.environmentId = :environmentId)""")
    Optional<BackgroundWorkerTask> findOnPromotedWorker(String environmentId, String slug);

    @Query("select t from BackgroundWorkerTask t left join fetch t.queue where t.workerId = :workerId and t.slug = :slug")
    Optional<BackgroundWorkerTask> findOnWorker(String workerId, String slug);

    @Query("select t from BackgroundWorkerTask t left join fetch t.queue where t.workerId = :workerId order by t.slug")
    List<BackgroundWorkerTask> findAllOnWorker(String workerId);

    List<BackgroundWorkerTask> findByWorkerIdAndScheduleCronIsNotNullOrderBySlug(String workerId);
}
