package dev.triggerapi.deployment;

import org.springframework.data.jpa.repository.JpaRepository;

/** The current deployment per environment, by environment id. */
interface WorkerDeploymentPromotionRepository extends JpaRepository<WorkerDeploymentPromotion, String> {
}
