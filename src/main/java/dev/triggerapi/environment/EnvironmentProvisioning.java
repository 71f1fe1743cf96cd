package dev.triggerapi.environment;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.triggerapi.ids.Ids;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;

/**
 * Creates organizations, projects, environments and worker groups, and issues, lists and revokes their secret keys
 * and worker tokens, on the writer. A secret key is stored as its SHA-256 (the authentication lookup) and sealed
 * with the key-encryption key (so SDK-signed tokens can be verified); a worker token only as its SHA-256. The
 * plain value is returned once, by the call that issues it. Listings read the writer too: provisioning is rare, and
 * a credential issued a moment ago must not be missing from them.
 */
public class EnvironmentProvisioning {

    private final JdbcClient jdbc;
    private final SecretKeyCipher cipher;
    private final CredentialRevocations revocations;

    EnvironmentProvisioning(JdbcClient jdbc, SecretKeyCipher cipher, CredentialRevocations revocations) {
        this.jdbc = jdbc;
        this.cipher = cipher;
        this.revocations = revocations;
    }

    /** Creates an organization with one project and one environment of {@code type}. */
    @Transactional
    public ProvisionedEnvironment createEnvironment(String organizationSlug, String projectSlug, EnvironmentType type) {
        String orgId = insertOrganization(organizationSlug);
        String projectId = Ids.newId();
        String projectRef = newProjectRef();
        jdbc.sql("INSERT INTO projects (id, organization_id, slug, name, external_ref) VALUES (?, ?, ?, ?, ?)")
                .params(projectId, orgId, projectSlug, projectSlug, projectRef).update();
        return addEnvironment(projectId, projectRef, orgId, type);
    }

    /**
     * Creates the environment of {@code type} in the project, creating the organization and project when they do
     * not exist yet, and issues its first secret key.
     *
     * @return the environment, or empty when the project already has an environment of that type
     */
    @Transactional
    public Optional<ProvisionedEnvironment> provisionEnvironment(String organizationSlug, String projectSlug,
                                                                 EnvironmentType type) {
        // Serialises concurrent provisioning of the same organization (the find-or-create below is not atomic).
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('provision:' || ?, 0))").param(organizationSlug)
                .query().singleRow();
        String orgId = jdbc.sql("SELECT id FROM organizations WHERE slug = ?").param(organizationSlug)
                .query(String.class).optional().orElseGet(() -> insertOrganization(organizationSlug));
        record Project(String id, String ref) {
        }
        Project project = jdbc.sql("SELECT id, external_ref FROM projects WHERE organization_id = ? AND slug = ?")
                .params(orgId, projectSlug).query((rs, n) -> new Project(rs.getString(1), rs.getString(2)))
                .optional().orElseGet(() -> {
                    Project created = new Project(Ids.newId(), newProjectRef());
                    jdbc.sql("INSERT INTO projects (id, organization_id, slug, name, external_ref) VALUES (?, ?, ?, ?, ?)")
                            .params(created.id(), orgId, projectSlug, projectSlug, created.ref()).update();
                    return created;
                });
        boolean exists = jdbc.sql("SELECT EXISTS (SELECT 1 FROM runtime_environments WHERE project_id = ? AND slug = ?)")
                .params(project.id(), type.keyTag()).query(Boolean.class).single();
        if (exists) {
            return Optional.empty();
        }
        return Optional.of(addEnvironment(project.id(), project.ref(), orgId, type));
    }

    /** Adds an environment of {@code type} to an existing project and issues its first secret key. */
    @Transactional
    public ProvisionedEnvironment addEnvironment(String projectId, String projectRef, String organizationId,
                                                 EnvironmentType type) {
        String envId = Ids.newId();
        String slug = type.keyTag();
        jdbc.sql("INSERT INTO runtime_environments (id, project_id, slug, type) VALUES (?, ?, ?, ?)")
                .params(envId, projectId, slug, type.name()).update();
        IssuedCredential key = insertSecretKey(envId, type);
        return new ProvisionedEnvironment(
                new AuthenticatedEnvironment(envId, slug, type, projectId, projectRef, organizationId), key.secret(),
                key.id());
    }

    /** Every environment, by organization, project and type. */
    @Transactional
    public List<EnvironmentSummary> listEnvironments() {
        return jdbc.sql("""
                        SELECT e.id, e.slug, e.type, o.slug AS org_slug, p.slug AS project_slug, p.external_ref
                        FROM runtime_environments e JOIN projects p ON p.id = e.project_id
                        JOIN organizations o ON o.id = p.organization_id
                        ORDER BY o.slug, p.slug, e.slug""")
                .query((rs, n) -> new EnvironmentSummary(rs.getString("id"), rs.getString("slug"),
                        EnvironmentType.valueOf(rs.getString("type")), rs.getString("org_slug"),
                        rs.getString("project_slug"), rs.getString("external_ref")))
                .list();
    }

    /** Issues another secret key for the environment (its other keys stay valid); empty for an unknown one. */
    @Transactional
    public Optional<IssuedCredential> issueSecretKey(String environmentId) {
        Optional<EnvironmentType> type = jdbc.sql("SELECT type FROM runtime_environments WHERE id = ? FOR SHARE")
                .param(environmentId).query(String.class).optional().map(EnvironmentType::valueOf);
        return type.map(t -> insertSecretKey(environmentId, t));
    }

    /** The environment's keys, active and revoked, oldest first; empty for an unknown environment. */
    @Transactional
    public Optional<List<CredentialInfo>> listSecretKeys(String environmentId) {
        if (!exists("runtime_environments", environmentId)) {
            return Optional.empty();
        }
        return Optional.of(jdbc.sql("""
                        SELECT id, key_hint, created_at, revoked_at, key_ciphertext IS NULL AS legacy
                        FROM environment_secret_keys WHERE runtime_environment_id = ? ORDER BY created_at, id""")
                .param(environmentId).query((rs, n) -> credential(rs, "key_hint")).list());
    }

    /**
     * Revokes one of the environment's keys; every instance refuses it once the change is broadcast (see
     * {@link CredentialRevocations}). Revoking a revoked key changes nothing.
     *
     * @return the key after revocation, or empty when the environment has no such key
     */
    @Transactional
    public Optional<CredentialInfo> revokeSecretKey(String environmentId, String keyId) {
        record Revoked(byte[] hash, CredentialInfo info) {
        }
        Optional<Revoked> revoked = jdbc.sql("""
                        UPDATE environment_secret_keys SET revoked_at = coalesce(revoked_at, clock_timestamp())
                        WHERE runtime_environment_id = ? AND id = ?
                        RETURNING key_hash, id, key_hint, created_at, revoked_at, key_ciphertext IS NULL AS legacy""")
                .params(environmentId, keyId)
                .query((rs, n) -> new Revoked(rs.getBytes("key_hash"), credential(rs, "key_hint"))).optional();
        revoked.ifPresent(r -> revocations.revoked(HexFormat.of().formatHex(r.hash()), environmentId));
        return revoked.map(Revoked::info);
    }

    /** Creates a worker group and issues its first token, which runners use on the engine endpoints. */
    @Transactional
    public ProvisionedWorkerGroup createWorkerGroup(String name) {
        String id = Ids.newId();
        jdbc.sql("INSERT INTO worker_groups (id, name) VALUES (?, ?)").params(id, name).update();
        IssuedCredential token = insertWorkerToken(id);
        return new ProvisionedWorkerGroup(id, name, token.secret(), token.id());
    }

    /** The id of the worker group with this id or name. */
    @Transactional
    public Optional<String> findWorkerGroup(String idOrName) {
        return jdbc.sql("SELECT id FROM worker_groups WHERE id = ? OR name = ? ORDER BY (id = ?) DESC LIMIT 1")
                .params(idOrName, idOrName, idOrName).query(String.class).optional();
    }

    /** Issues another token for the worker group (its other tokens stay valid); empty for an unknown group. */
    @Transactional
    public Optional<IssuedCredential> issueWorkerToken(String workerGroupId) {
        if (jdbc.sql("SELECT id FROM worker_groups WHERE id = ? FOR SHARE").param(workerGroupId).query(String.class)
                .optional().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(insertWorkerToken(workerGroupId));
    }

    /** The group's tokens, active and revoked, oldest first; empty for an unknown group. */
    @Transactional
    public Optional<List<CredentialInfo>> listWorkerTokens(String workerGroupId) {
        if (!exists("worker_groups", workerGroupId)) {
            return Optional.empty();
        }
        return Optional.of(jdbc.sql("""
                        SELECT id, token_hint, created_at, revoked_at, id LIKE 'legacy\\_%' AS legacy
                        FROM worker_group_tokens WHERE worker_group_id = ? ORDER BY created_at, id""")
                .param(workerGroupId).query((rs, n) -> credential(rs, "token_hint")).list());
    }

    /** Revokes one of the group's tokens, like {@link #revokeSecretKey}. */
    @Transactional
    public Optional<CredentialInfo> revokeWorkerToken(String workerGroupId, String tokenId) {
        record Revoked(byte[] hash, CredentialInfo info) {
        }
        Optional<Revoked> revoked = jdbc.sql("""
                        UPDATE worker_group_tokens SET revoked_at = coalesce(revoked_at, clock_timestamp())
                        WHERE worker_group_id = ? AND id = ?
                        RETURNING token_hash, id, token_hint, created_at, revoked_at, id LIKE 'legacy\\_%' AS legacy""")
                .params(workerGroupId, tokenId)
                .query((rs, n) -> new Revoked(rs.getBytes("token_hash"), credential(rs, "token_hint"))).optional();
        revoked.ifPresent(r -> revocations.revoked(HexFormat.of().formatHex(r.hash()), null));
        return revoked.map(Revoked::info);
    }

    /** True when any organization exists (the local demo seed runs only on an empty database). */
    @Transactional(readOnly = true)
    public boolean anyOrganizationExists() {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM organizations)").query(Boolean.class).single();
    }

    private String insertOrganization(String slug) {
        String orgId = Ids.newId();
        jdbc.sql("INSERT INTO organizations (id, slug, title) VALUES (?, ?, ?)").params(orgId, slug, slug).update();
        return orgId;
    }

    private static String newProjectRef() {
        return "proj_" + Ids.secret(20).toLowerCase(Locale.ROOT);
    }

    private IssuedCredential insertSecretKey(String environmentId, EnvironmentType type) {
        String id = "key_" + Ids.newId();
        String secretKey = "tr_" + type.keyTag() + "_" + Ids.secret(32);
        String hint = SecretHashing.hint(secretKey);
        jdbc.sql("""
                        INSERT INTO environment_secret_keys
                            (id, runtime_environment_id, key_hash, key_hint, key_ciphertext, encryption_key_id)
                        VALUES (?, ?, ?, ?, ?, ?)""")
                .params(id, environmentId, SecretHashing.sha256(secretKey), hint,
                        cipher.seal(secretKey, EncryptedSecretKeys.associatedData(environmentId, id)), cipher.keyId())
                .update();
        revocations.environmentKeysChanged(environmentId);
        return new IssuedCredential(id, secretKey, hint);
    }

    private IssuedCredential insertWorkerToken(String workerGroupId) {
        String id = "wgt_" + Ids.newId();
        String token = "tr_wgt_" + Ids.secret(32);
        String hint = SecretHashing.hint(token);
        jdbc.sql("INSERT INTO worker_group_tokens (id, worker_group_id, token_hash, token_hint) VALUES (?, ?, ?, ?)")
                .params(id, workerGroupId, SecretHashing.sha256(token), hint).update();
        return new IssuedCredential(id, token, hint);
    }

    private boolean exists(String table, String id) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM " + table + " WHERE id = ?)").param(id).query(Boolean.class).single();
    }

    private static CredentialInfo credential(java.sql.ResultSet rs, String hintColumn) throws java.sql.SQLException {
        java.sql.Timestamp revoked = rs.getTimestamp("revoked_at");
        return new CredentialInfo(rs.getString("id"), rs.getString(hintColumn), rs.getTimestamp("created_at").toInstant(),
                revoked == null ? null : revoked.toInstant(), rs.getBoolean("legacy"));
    }
}
