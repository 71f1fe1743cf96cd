package dev.triggerapi.deployment;

import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;

/** Worker versions. Callers choose replica or writer by their transaction (read-only = replica). */
interface BackgroundWorkerRepository extends JpaRepository<BackgroundWorker, String> {

    Optional<BackgroundWorker> findByEnvironmentIdAndVersion(String environmentId, String version);
}
