package dev.triggerapi.environment;

import java.util.List;
import java.util.Optional;

import jakarta.persistence.LockModeType;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

/** Runtime environments. Callers choose replica or writer by their transaction (read-only = replica). */
interface RuntimeEnvironmentRepository extends JpaRepository<RuntimeEnvironment, String> {

    boolean existsByProjectIdAndSlug(String projectId, String slug);

    /** The environment, share-locked until commit so a key issued for it cannot race its creation's rollback. */
    @Lock(LockModeType.PESSIMISTIC_READ)
    @Query("select e from RuntimeEnvironment e where e.id = :id")
    Optional<RuntimeEnvironment> findForShare(String id);

    /** Every environment with its project and organization, in one statement. */
    @Query("""
            select e from RuntimeEnvironment e join fetch e.project p join fetch p.organization o
            order by o.slug, p.slug, e.slug""")
    List<RuntimeEnvironment> findAllWithProjectAndOrganization();
}
