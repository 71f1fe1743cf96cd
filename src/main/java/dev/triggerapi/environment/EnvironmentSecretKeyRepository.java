package dev.triggerapi.environment;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** Secret keys. Callers choose replica or writer by their transaction (read-only = replica). */
interface EnvironmentSecretKeyRepository extends JpaRepository<EnvironmentSecretKey, String> {

    /**
     * The unrevoked key with this SHA-256 with its environment, project and organization: the authentication
     * lookup, in one statement.
     */
    @Query("""
            select k from EnvironmentSecretKey k join fetch k.environment e join fetch e.project p
            join fetch p.organization
            where k.keyHash = :hash and k.revokedAt is null""")
    List<EnvironmentSecretKey> findActiveByHash(byte[] hash);

    /** Unrevoked keys that can be decrypted (legacy keys cannot), newest first. */
    @Query("""
            select k from EnvironmentSecretKey k
            where k.environment.id = :environmentId and k.revokedAt is null and k.keyCiphertext is not null
            order by k.createdAt desc, k.id desc""")
    List<EnvironmentSecretKey> findDecryptable(String environmentId);

    /** Every key of the environment, active and revoked, oldest first. */
    List<EnvironmentSecretKey> findByEnvironmentIdOrderByCreatedAtAscIdAsc(String environmentId);

    Optional<EnvironmentSecretKey> findByEnvironmentIdAndId(String environmentId, String id);
}
