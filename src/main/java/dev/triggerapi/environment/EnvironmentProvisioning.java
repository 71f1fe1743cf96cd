package dev.triggerapi.environment;

import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.triggerapi.ids.Ids;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;

/**
 * Creates organizations, projects, environments and worker groups, and issues, lists and revokes their secret keys
 * and worker tokens, on the writer, through the feature's repositories. A secret key is stored as its SHA-256 (the
 * authentication lookup) and sealed with the key-encryption key (so SDK-signed tokens can be verified); a worker
 * token only as its SHA-256. The plain value is returned once, by the call that issues it. Listings read the
 * writer too: provisioning is rare, and a credential issued a moment ago must not be missing from them.
 */
public class EnvironmentProvisioning {

    private final EnvironmentRepositories repositories;
    private final JdbcClient jdbc;
    private final SecretKeyCipher cipher;
    private final CredentialRevocations revocations;
    private final Clock clock;

    EnvironmentProvisioning(EnvironmentRepositories repositories, JdbcClient jdbc, SecretKeyCipher cipher,
                            CredentialRevocations revocations, Clock clock) {
        this.repositories = repositories;
        this.jdbc = jdbc;
        this.cipher = cipher;
        this.revocations = revocations;
        this.clock = clock;
    }

    /** Creates an organization with one project and one environment of {@code type}. */
    @Transactional
    public ProvisionedEnvironment createEnvironment(String organizationSlug, String projectSlug, EnvironmentType type) {
        Organization organization = repositories.organizations().save(new Organization(Ids.newId(), organizationSlug));
        Project project = repositories.projects().save(
                new Project(Ids.newId(), organization, projectSlug, newProjectRef()));
        return addEnvironment(project, type);
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
        // SQL is the point: an advisory lock serialises concurrent provisioning of the same organization (the
        // find-or-create below is not atomic, and there is no row to lock before the organization exists).
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('provision:' || ?, 0))").param(organizationSlug)
                .query().singleRow();
        Organization organization = repositories.organizations().findBySlug(organizationSlug)
                .orElseGet(() -> repositories.organizations().save(new Organization(Ids.newId(), organizationSlug)));
        Project project = repositories.projects().findByOrganizationIdAndSlug(organization.getId(), projectSlug)
                .orElseGet(() -> repositories.projects().save(
                        new Project(Ids.newId(), organization, projectSlug, newProjectRef())));
        if (repositories.environments().existsByProjectIdAndSlug(project.getId(), type.keyTag())) {
            return Optional.empty();
        }
        return Optional.of(addEnvironment(project, type));
    }

    /** Adds an environment of {@code type} to the project and issues its first secret key. */
    private ProvisionedEnvironment addEnvironment(Project project, EnvironmentType type) {
        RuntimeEnvironment environment = repositories.environments().save(
                new RuntimeEnvironment(Ids.newId(), project, type));
        IssuedCredential key = insertSecretKey(environment);
        return new ProvisionedEnvironment(environment.authenticated(), key.secret(), key.id());
    }

    /** Every environment, by organization, project and type. */
    @Transactional
    public List<EnvironmentSummary> listEnvironments() {
        return repositories.environments().findAllWithProjectAndOrganization().stream()
                .map(e -> new EnvironmentSummary(e.getId(), e.slug(), e.type(), e.project().organization().slug(),
                        e.project().slug(), e.project().externalRef()))
                .toList();
    }

    /** Issues another secret key for the environment (its other keys stay valid); empty for an unknown one. */
    @Transactional
    public Optional<IssuedCredential> issueSecretKey(String environmentId) {
        return repositories.environments().findForShare(environmentId).map(this::insertSecretKey);
    }

    /** The environment's keys, active and revoked, oldest first; empty for an unknown environment. */
    @Transactional
    public Optional<List<CredentialInfo>> listSecretKeys(String environmentId) {
        if (!repositories.environments().existsById(environmentId)) {
            return Optional.empty();
        }
        return Optional.of(repositories.secretKeys().findByEnvironmentIdOrderByCreatedAtAscIdAsc(environmentId)
                .stream().map(EnvironmentSecretKey::info).toList());
    }

    /**
     * Revokes one of the environment's keys; every instance refuses it once the change is broadcast (see
     * {@link CredentialRevocations}). Revoking a revoked key changes nothing.
     *
     * @return the key after revocation, or empty when the environment has no such key
     */
    @Transactional
    public Optional<CredentialInfo> revokeSecretKey(String environmentId, String keyId) {
        return repositories.secretKeys().findByEnvironmentIdAndId(environmentId, keyId).map(key -> {
            key.revoke(clock.instant());
            revocations.revoked(HexFormat.of().formatHex(key.keyHash()), environmentId);
            return key.info();
        });
    }

    /** Creates a worker group and issues its first token, which runners use on the engine endpoints. */
    @Transactional
    public ProvisionedWorkerGroup createWorkerGroup(String name) {
        WorkerGroup group = repositories.workerGroups().save(new WorkerGroup(Ids.newId(), name));
        IssuedCredential token = insertWorkerToken(group);
        return new ProvisionedWorkerGroup(group.getId(), name, token.secret(), token.id());
    }

    /** The id of the worker group with this id or name (an id wins over another group's equal name). */
    @Transactional
    public Optional<String> findWorkerGroup(String idOrName) {
        return repositories.workerGroups().findById(idOrName)
                .or(() -> repositories.workerGroups().findByName(idOrName)).map(WorkerGroup::getId);
    }

    /** Issues another token for the worker group (its other tokens stay valid); empty for an unknown group. */
    @Transactional
    public Optional<IssuedCredential> issueWorkerToken(String workerGroupId) {
        return repositories.workerGroups().findForShare(workerGroupId).map(this::insertWorkerToken);
    }

    /** The group's tokens, active and revoked, oldest first; empty for an unknown group. */
    @Transactional
    public Optional<List<CredentialInfo>> listWorkerTokens(String workerGroupId) {
        if (!repositories.workerGroups().existsById(workerGroupId)) {
            return Optional.empty();
        }
        return Optional.of(repositories.workerTokens().findByWorkerGroupIdOrderByCreatedAtAscIdAsc(workerGroupId)
                .stream().map(WorkerGroupToken::info).toList());
    }

    /** Revokes one of the group's tokens, like {@link #revokeSecretKey}. */
    @Transactional
    public Optional<CredentialInfo> revokeWorkerToken(String workerGroupId, String tokenId) {
        return repositories.workerTokens().findByWorkerGroupIdAndId(workerGroupId, tokenId).map(token -> {
            token.revoke(clock.instant());
            revocations.revoked(HexFormat.of().formatHex(token.tokenHash()), null);
            return token.info();
        });
    }

    /** True when any organization exists (the local demo seed runs only on an empty database). */
    @Transactional(readOnly = true)
    public boolean anyOrganizationExists() {
        return repositories.organizations().count() > 0;
    }

    private static String newProjectRef() {
        return "proj_" + Ids.secret(20).toLowerCase(Locale.ROOT);
    }

    private IssuedCredential insertSecretKey(RuntimeEnvironment environment) {
        String id = "key_" + Ids.newId();
        String secretKey = "tr_" + environment.type().keyTag() + "_" + Ids.secret(32);
        String hint = SecretHashing.hint(secretKey);
        repositories.secretKeys().save(new EnvironmentSecretKey(id, environment, SecretHashing.sha256(secretKey), hint,
                cipher.seal(secretKey, EncryptedSecretKeys.associatedData(environment.getId(), id)), cipher.keyId()));
        revocations.environmentKeysChanged(environment.getId());
        return new IssuedCredential(id, secretKey, hint);
    }

    private IssuedCredential insertWorkerToken(WorkerGroup group) {
        String id = "wgt_" + Ids.newId();
        String token = "tr_wgt_" + Ids.secret(32);
        String hint = SecretHashing.hint(token);
        repositories.workerTokens().save(new WorkerGroupToken(id, group, SecretHashing.sha256(token), hint));
        return new IssuedCredential(id, token, hint);
    }
}
