package dev.triggerapi.environment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import jakarta.persistence.EntityManagerFactory;

import dev.triggerapi.datasource.ReplicaCircuitBreaker;
import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.local.LocalCluster;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import org.flywaydb.core.Flyway;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.jpa.repository.support.JpaRepositoryFactory;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The key-storage migration on a database that holds keys from before it (only their hashes): they keep
 * authenticating, are listed as legacy, and are not offered for token verification (their plaintext is unknown).
 */
@IntegrationTest
class LegacyKeyMigrationTest {

    private static final MigrationVersion BEFORE_KEY_STORAGE = MigrationVersion.fromVersion("7");

    @Autowired
    JdbcClient mainDatabase;
    @Autowired
    StringRedisTemplate redis;

    private final String database = "legacy_keys_" + Ids.newId();
    private EntityManagerFactory closeAfterTest;

    @AfterEach
    void dropScratchDatabase() {
        if (closeAfterTest != null) {
            closeAfterTest.close();
        }
        mainDatabase.sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)").update();
    }

    @Test
    void keysFromBeforeEncryptionKeepAuthenticatingAndAreMarkedLegacy() {
        mainDatabase.sql("CREATE DATABASE " + database).update();
        LocalCluster cluster = Cluster.get();
        DriverManagerDataSource scratch = new DriverManagerDataSource(
                cluster.writerJdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1"), cluster.username(), "");
        Flyway.configure().dataSource(scratch).locations("classpath:db/migration").target(BEFORE_KEY_STORAGE).load().migrate();
        JdbcClient jdbc = JdbcClient.create(scratch);
        String key = "tr_prod_legacyKey0123456789abcdefghijklmnop";
        String token = "tr_wgt_legacyToken0123456789abcdefghijklm";
        jdbc.sql("INSERT INTO organizations (id, slug, title) VALUES ('org1', 'acme', 'acme')").update();
        jdbc.sql("INSERT INTO projects (id, organization_id, slug, name, external_ref) VALUES ('p1', 'org1', 'web', 'web', 'proj_web')")
                .update();
        jdbc.sql("INSERT INTO runtime_environments (id, project_id, slug, type, api_key_hash, api_key_hint) "
                + "VALUES ('env1', 'p1', 'prod', 'PRODUCTION', ?, 'tr_prod_…mnop')").param(SecretHashing.sha256(key)).update();
        jdbc.sql("INSERT INTO worker_groups (id, name, token_hash) VALUES ('wg1', 'runners', ?)")
                .param(SecretHashing.sha256(token)).update();

        Flyway.configure().dataSource(scratch).locations("classpath:db/migration").load().migrate();

        // The feature's own entities and repositories over the scratch database (its own persistence unit), so
        // the production classes read the migrated rows; Hibernate validates the entities against the schema.
        LocalContainerEntityManagerFactoryBean persistenceUnit = new LocalContainerEntityManagerFactoryBean();
        persistenceUnit.setDataSource(scratch);
        persistenceUnit.setPackagesToScan("dev.triggerapi.environment");
        persistenceUnit.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
        persistenceUnit.setJpaPropertyMap(Map.of("hibernate.hbm2ddl.auto", "validate"));
        persistenceUnit.afterPropertiesSet();
        EntityManagerFactory entityManagers = persistenceUnit.getObject();
        closeAfterTest = entityManagers;
        JpaTransactionManager transactions = new JpaTransactionManager(entityManagers);
        JpaRepositoryFactory repositoryFactory = new JpaRepositoryFactory(
                SharedEntityManagerCreator.createSharedEntityManager(entityManagers));
        EnvironmentRepositories repositories = new EnvironmentRepositories(
                repositoryFactory.getRepository(OrganizationRepository.class),
                repositoryFactory.getRepository(ProjectRepository.class),
                repositoryFactory.getRepository(RuntimeEnvironmentRepository.class),
                repositoryFactory.getRepository(EnvironmentSecretKeyRepository.class),
                repositoryFactory.getRepository(WorkerGroupRepository.class),
                repositoryFactory.getRepository(WorkerGroupTokenRepository.class));
        TransactionTemplate inTransaction = new TransactionTemplate(transactions);

        ReplicaFirstReader reader = new ReplicaFirstReader(transactions,
                new ReplicaCircuitBreaker(java.time.Clock.systemUTC()), new SimpleMeterRegistry());
        CredentialProperties settings = new CredentialProperties(CredentialProperties.generateEncryptionKey(),
                java.time.Duration.ofSeconds(10));
        CredentialRevocations revocations = new CredentialRevocations(redis);
        SecretKeyCipher cipher = SecretKeyCipher.fromConfiguration(settings.secretKeyEncryptionKey());
        ApiKeyAuthenticator apiKeys = new ApiKeyAuthenticator(repositories.secretKeys(), reader, revocations, settings);
        WorkerTokenAuthenticator workerTokens = new WorkerTokenAuthenticator(repositories.workerTokens(), reader,
                revocations, settings);
        // Not a Spring bean here, so its @Transactional does not apply: the test opens the transactions.
        EnvironmentProvisioning provisioning = new EnvironmentProvisioning(repositories, jdbc, cipher, revocations,
                java.time.Clock.systemUTC());
        EncryptedSecretKeys secretKeys = new EncryptedSecretKeys(repositories.secretKeys(), reader, cipher,
                revocations, settings);

        assertThat(apiKeys.authenticate(key)).hasValueSatisfying(env -> {
            assertThat(env.id()).isEqualTo("env1");
            assertThat(env.projectRef()).isEqualTo("proj_web");
        });
        assertThat(workerTokens.authenticate(token)).hasValueSatisfying(group -> assertThat(group.id()).isEqualTo("wg1"));
        List<CredentialInfo> keys = inTransaction.execute(t -> provisioning.listSecretKeys("env1")).orElseThrow();
        assertThat(keys).singleElement().satisfies(info -> {
            assertThat(info.legacy()).isTrue();
            assertThat(info.active()).isTrue();
            assertThat(info.hint()).isEqualTo("tr_prod_…mnop");
        });
        assertThat(secretKeys.activeSecretKeys("env1")).as("a legacy key cannot be recovered").isEmpty();
        assertThat(jdbc.sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'runtime_environments' "
                + "AND column_name LIKE 'api_key%'").query(Integer.class).single()).isZero();

        // The way out of legacy: issue a new key (recoverable), then revoke the legacy one.
        IssuedCredential fresh = inTransaction.execute(t -> provisioning.issueSecretKey("env1")).orElseThrow();
        inTransaction.execute(t -> provisioning.revokeSecretKey("env1", keys.get(0).id())).orElseThrow();
        assertThat(apiKeys.authenticate(key)).isEmpty();
        assertThat(apiKeys.authenticate(fresh.secret())).isPresent();
        assertThat(secretKeys.activeSecretKeys("env1")).extracting(ActiveSecretKey::secretKey).containsExactly(fresh.secret());
    }
}
