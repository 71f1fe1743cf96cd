package dev.triggerapi.environment;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** Worker tokens. Callers choose replica or writer by their transaction (read-only = replica). */
interface WorkerGroupTokenRepository extends JpaRepository<WorkerGroupToken, String> {

    /** The unrevoked token with this SHA-256 with its group: the authentication lookup, in one statement. */
    @Query("""
            select t from WorkerGroupToken t join fetch t.workerGroup
            where t.tokenHash = :hash and t.revokedAt is null""")
    List<WorkerGroupToken> findActiveByHash(byte[] hash);

    /** Every token of the group, active and revoked, oldest first. */
    List<WorkerGroupToken> findByWorkerGroupIdOrderByCreatedAtAscIdAsc(String workerGroupId);

    Optional<WorkerGroupToken> findByWorkerGroupIdAndId(String workerGroupId, String id);
}
