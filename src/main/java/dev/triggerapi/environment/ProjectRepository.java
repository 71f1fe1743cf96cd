package dev.triggerapi.environment;

import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;

/** Projects by organization and slug. */
interface ProjectRepository extends JpaRepository<Project, String> {

    Optional<Project> findByOrganizationIdAndSlug(String organizationId, String slug);
}
