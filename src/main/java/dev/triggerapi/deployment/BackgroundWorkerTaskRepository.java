package dev.triggerapi.deployment;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/**
 * Tasks of worker versions, each with its queue fetched in the same statement. Callers choose replica or writer by
 * their transaction (read-only = replica). The trigger path's lookups return {@link TaskRow} projections rather
 * than entities: same single statement, without entity initialisation (a third of the JVM CPU of a no-cache
 * resolve, measured with JFR).
 */
interface BackgroundWorkerTaskRepository extends JpaRepository<BackgroundWorkerTask, String> {

    /** {@code slug} on the environment's newest worker (DEVELOPMENT's current worker), in one statement. */
    @Query("""
            select new dev.triggerapi.deployment.TaskRow(t.workerId, t.ttl, t.triggerSource, q.id, q.name)
            from BackgroundWorkerTask t left join t.queue q
            where t.slug = :slug and t.workerId = (
                select w.id from BackgroundWorker w where w.environmentId = :environmentId
                order by w.createdAt desc, w.id desc limit 1)""")
    Optional<TaskRow> findOnNewestWorker(String environmentId, String slug);

    /** {@code slug} on the environment's promoted worker, in one statement. */
    @Query("""
            select new dev.triggerapi.deployment.TaskRow(t.workerId, t.ttl, t.triggerSource, q.id, q.name)
            from BackgroundWorkerTask t left join t.queue q
            where t.slug = :slug and t.workerId = (
                select p.workerId from WorkerDeploymentPromotion p where p.environmentId = :environmentId)""")
    Optional<TaskRow> findOnPromotedWorker(String environmentId, String slug);

    /** {@code slug} on one worker version. */
    @Query("""
            select new dev.triggerapi.deployment.TaskRow(t.workerId, t.ttl, t.triggerSource, q.id, q.name)
            from BackgroundWorkerTask t left join t.queue q where t.workerId = :workerId and t.slug = :slug""")
    Optional<TaskRow> findOnWorker(String workerId, String slug);

    @Query("select t from BackgroundWorkerTask t left join fetch t.queue where t.workerId = :workerId order by t.slug")
    List<BackgroundWorkerTask> findAllOnWorker(String workerId);

    List<BackgroundWorkerTask> findByWorkerIdAndScheduleCronIsNotNullOrderBySlug(String workerId);
}
