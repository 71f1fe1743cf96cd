package dev.triggerapi.environment;

import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Resolves a secret API key ({@code Authorization: Bearer tr_...}) to its environment. Any of the environment's
 * unrevoked keys is accepted, legacy (hash-only) keys included.
 */
public class ApiKeyAuthenticator {

    private final JdbcClient jdbc;
    private final HashedSecretResolver<AuthenticatedEnvironment> resolver;

    ApiKeyAuthenticator(JdbcClient jdbc, ReplicaFirstReader reader, CredentialRevocations revocations,
                        CredentialProperties settings) {
        this.jdbc = jdbc;
        this.resolver = new HashedSecretResolver<>(reader, this::lookup, revocations, settings.cacheTtl());
    }

    public Optional<AuthenticatedEnvironment> authenticate(String secretKey) {
        return resolver.resolve(secretKey);
    }

    private Optional<AuthenticatedEnvironment> lookup(byte[] hash) {
        return jdbc.sql("""
                        SELECT k.key_hash, e.id, e.slug, e.type, p.id AS project_id, p.external_ref, p.organization_id
                        FROM environment_secret_keys k
                        JOIN runtime_environments e ON e.id = k.runtime_environment_id
                        JOIN projects p ON p.id = e.project_id
                        WHERE k.key_hash = ? AND k.revoked_at IS NULL""")
                .param(hash)
                .query((rs, n) -> SecretHashing.matches(hash, rs.getBytes("key_hash"))
                        ? Optional.of(new AuthenticatedEnvironment(rs.getString("id"), rs.getString("slug"),
                        EnvironmentType.valueOf(rs.getString("type")), rs.getString("project_id"),
                        rs.getString("external_ref"), rs.getString("organization_id")))
                        : Optional.<AuthenticatedEnvironment>empty())
                .stream().flatMap(Optional::stream).findFirst();
    }
}
