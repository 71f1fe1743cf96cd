package dev.triggerapi.environment;

import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Resolves a runner's worker-group token ({@code Authorization: Bearer tr_wgt_...}) to its worker group. */
@Service
public class WorkerTokenAuthenticator {

    private final JdbcClient jdbc;
    private final HashedSecretResolver<AuthenticatedWorkerGroup> resolver;

    public WorkerTokenAuthenticator(JdbcClient jdbc, ReplicaFirstReader reader) {
        this.jdbc = jdbc;
        this.resolver = new HashedSecretResolver<>(reader, this::lookup);
    }

    public Optional<AuthenticatedWorkerGroup> authenticate(String token) {
        return resolver.resolve(token);
    }

    private Optional<AuthenticatedWorkerGroup> lookup(byte[] hash) {
        return jdbc.sql("SELECT id, name, token_hash FROM worker_groups WHERE token_hash = ?")
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
