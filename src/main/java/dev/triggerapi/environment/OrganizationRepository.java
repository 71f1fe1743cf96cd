package dev.triggerapi.environment;

import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;

/** Organizations by slug. */
interface OrganizationRepository extends JpaRepository<Organization, String> {

    Optional<Organization> findBySlug(String slug);
}
