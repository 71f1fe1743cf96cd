package dev.triggerapi.deployment;

import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** Deployments. Callers choose replica or writer by their transaction (read-only = replica). */
interface WorkerDeploymentRepository extends JpaRepository<WorkerDeployment, String> {

    /** The deployment of {@code version} with its worker, in one statement. */
    @Query("""
            select d from WorkerDeployment d join fetch d.worker
            where d.environmentId = :environmentId and d.version = :version""")
    Optional<WorkerDeployment> findWithWorker(String environmentId, String version);

    /** The environment's promoted deployment, in one statement. */
    @Query("""
            select d from WorkerDeployment d where d.id = (
                select p.deploymentId from WorkerDeploymentPromotion p where p.environmentId = :environmentId)""")
    Optional<WorkerDeployment> findPromoted(String environmentId);
}
