package dev.triggerapi.environment;

import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Resolves a secret API key ({@code Authorization: Bearer tr_...}) to its environment. */
@Service
public class ApiKeyAuthenticator {

    private final JdbcClient jdbc;
    private final HashedSecretResolver<AuthenticatedEnvironment> resolver;

    public ApiKeyAuthenticator(JdbcClient jdbc, ReplicaFirstReader reader) {
        this.jdbc = jdbc;
        this.resolver = new HashedSecretResolver<>(reader, this::lookup);
    }

    public Optional<AuthenticatedEnvironment> authenticate(String secretKey) {
        return resolver.resolve(secretKey);
    }

    private Optional<AuthenticatedEnvironment> lookup(byte[] hash) {
        return jdbc.sql("""
                        SELECT e.id, e.slug, e.type, e.api_key_hash, p.id AS project_id, p.external_ref, p.organization_id
                        FROM runtime_environments e JOIN projects p ON p.id = e.project_id
                        WHERE e.api_key_hash = ?""")
                .param(hash)
                .query((rs, n) -> SecretHashing.matches(hash, rs.getBytes("api_key_hash"))
                        ? Optional.of(new AuthenticatedEnvironment(rs.getString("id"), rs.getString("slug"),
                        EnvironmentType.valueOf(rs.getString("type")), rs.getString("project_id"),
                        rs.getString("external_ref"), rs.getString("organization_id")))
                        : Optional.<AuthenticatedEnvironment>empty())
                .stream().flatMap(Optional::stream).findFirst();
    }
}
