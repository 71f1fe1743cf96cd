package dev.triggerapi.environment;

import dev.triggerapi.ids.Ids;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Creates organizations, projects, environments (with their secret key) and worker groups, on the writer. */
@Service
public class EnvironmentProvisioning {

    private final JdbcClient jdbc;

    public EnvironmentProvisioning(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Creates an organization with one project and one environment of {@code type}. */
    @Transactional
    public ProvisionedEnvironment createEnvironment(String organizationSlug, String projectSlug, EnvironmentType type) {
        String orgId = Ids.newId();
        jdbc.sql("INSERT INTO organizations (id, slug, title) VALUES (?, ?, ?)")
                .params(orgId, organizationSlug, organizationSlug).update();
        String projectId = Ids.newId();
        String projectRef = "proj_" + Ids.secret(20).toLowerCase(java.util.Locale.ROOT);
        jdbc.sql("INSERT INTO projects (id, organization_id, slug, name, external_ref) VALUES (?, ?, ?, ?, ?)")
                .params(projectId, orgId, projectSlug, projectSlug, projectRef).update();
        return addEnvironment(projectId, projectRef, orgId, type);
    }

    /** Adds an environment of {@code type} to an existing project. */
    @Transactional
    public ProvisionedEnvironment addEnvironment(String projectId, String projectRef, String organizationId,
                                                 EnvironmentType type) {
        String envId = Ids.newId();
        String slug = type.keyTag();
        String secretKey = "tr_" + type.keyTag() + "_" + Ids.secret(32);
        jdbc.sql("""
                INSERT INTO runtime_environments (id, project_id, slug, type, api_key_hash, api_key_hint)
                VALUES (?, ?, ?, ?, ?, ?)""")
                .params(envId, projectId, slug, type.name(), SecretHashing.sha256(secretKey), SecretHashing.hint(secretKey))
                .update();
        return new ProvisionedEnvironment(
                new AuthenticatedEnvironment(envId, slug, type, projectId, projectRef, organizationId), secretKey);
    }

    /** Creates a worker group whose token runners use on the engine endpoints. */
    @Transactional
    public ProvisionedWorkerGroup createWorkerGroup(String name) {
        String id = Ids.newId();
        String token = "tr_wgt_" + Ids.secret(32);
        jdbc.sql("INSERT INTO worker_groups (id, name, token_hash) VALUES (?, ?, ?)")
                .params(id, name, SecretHashing.sha256(token)).update();
        return new ProvisionedWorkerGroup(id, name, token);
    }

    /** True when any organization exists (the local demo seed runs only on an empty database). */
    @Transactional(readOnly = true)
    public boolean anyOrganizationExists() {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM organizations)").query(Boolean.class).single();
    }
}
