package dev.triggerapi.deployment;

import java.util.List;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/**
 * Tasks of worker versions, each with its queue fetched in the same statement. Callers choose replica or writer by
 * their transaction (read-only = replica). The trigger path's per-task lookups are plain SQL in
 * {@link WorkerTaskLookup} (measured: HQL doubled a no-cache resolve's allocation).
 */
interface BackgroundWorkerTaskRepository extends JpaRepository<BackgroundWorkerTask, String> {

    @Query("select t from BackgroundWorkerTask t left join fetch t.queue where t.workerId = :workerId order by t.slug")
    List<BackgroundWorkerTask> findAllOnWorker(String workerId);

    List<BackgroundWorkerTask> findByWorkerIdAndScheduleCronIsNotNullOrderBySlug(String workerId);
}
