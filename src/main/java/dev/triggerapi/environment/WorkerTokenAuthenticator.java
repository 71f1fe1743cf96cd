package dev.triggerapi.environment;

import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Resolves a runner's worker-group token ({@code Authorization: Bearer tr_wgt_...}) to its worker group. Any of
 * the group's unrevoked tokens is accepted.
 */
public class WorkerTokenAuthenticator {

    private final JdbcClient jdbc;
    private final HashedSecretResolver<AuthenticatedWorkerGroup> resolver;

    WorkerTokenAuthenticator(JdbcClient jdbc, ReplicaFirstReader reader, CredentialRevocations revocations,
                             CredentialProperties settings) {
        this.jdbc = jdbc;
        this.resolver = new HashedSecretResolver<>(reader, this::lookup, revocations, settings.cacheTtl());
    }

    public Optional<AuthenticatedWorkerGroup> authenticate(String token) {
        return resolver.resolve(token);
    }

    private Optional<AuthenticatedWorkerGroup> lookup(byte[] hash) {
        return jdbc.sql("""
                        SELECT t.token_hash, g.id, g.name
                        FROM worker_group_tokens t JOIN worker_groups g ON g.id = t.worker_group_id
                        WHERE t.token_hash = ? AND t.revoked_at IS NULL""")
                .param(hash)
                .query((rs, n) -> SecretHashing.matches(hash, rs.getBytes("token_hash"))
                        ? Optional.of(new AuthenticatedWorkerGroup(rs.getString("id"), rs.getString("name")))
                        : Optional.<AuthenticatedWorkerGroup>empty())
                .stream().flatMap(Optional::stream).findFirst();
    }

    /**
     * A runner's worker group.
     *
     * @param id   worker group id
     * @param name worker group name
     */
    public record AuthenticatedWorkerGroup(String id, String name) {
    }
}
