package dev.triggerapi.environment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.StatementCounter;
import dev.triggerapi.support.TestData;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The environment feature's JPA paths issue the statements their fetch plans promise: one join per lookup, no
 * {@code SELECT} before an insert (assigned ids), no N+1 in listings, and the writer re-check visible as exactly
 * one more statement when the replica has not applied a key yet.
 */
@IntegrationTest
class EnvironmentStatementCountTest {

    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    ApiKeyAuthenticator authenticator;
    @Autowired
    WorkerTokenAuthenticator workerTokens;
    @Autowired
    EnvironmentSecretKeys secretKeys;
    @Autowired
    EntityManagerFactory entityManagerFactory;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;

    StatementCounter statements;

    @BeforeEach
    void counter() {
        statements = new StatementCounter(entityManagerFactory);
    }

    @Test
    void creatingAnEnvironmentIsOneInsertPerRowWithoutReadsFirst() {
        // organization, project, environment, first secret key
        assertThat(statements.count(() -> TestData.environment(provisioning, EnvironmentType.PRODUCTION))).isEqualTo(4);
        // group, first token
        assertThat(statements.count(() -> TestData.workerGroup(provisioning))).isEqualTo(2);
    }

    @Test
    void keyOnTheReplicaAuthenticatesWithOneStatement() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.STAGING);
        ProvisionedWorkerGroup group = TestData.workerGroup(provisioning);
        ReplicaLag.awaitCaughtUp(jdbc, transactions);

        assertThat(statements.count(() -> assertThat(authenticator.authenticate(env.secretKey()))
                .contains(env.environment()))).isEqualTo(1);
        assertThat(statements.count(() -> assertThat(workerTokens.authenticate(group.token())).isPresent()))
                .isEqualTo(1);
    }

    @Test
    void keyTheReplicaHasNotAppliedCostsOneReplicaAndOneWriterStatement() {
        ReplicaLag.behindBy(Duration.ofMillis(1500), jdbc, transactions);
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);

        assertThat(statements.count(() -> assertThat(authenticator.authenticate(env.secretKey()))
                .contains(env.environment()))).isEqualTo(2);
    }

    @Test
    void listingsAreOneStatementHoweverManyRowsTheyHold() {
        for (int i = 0; i < 3; i++) {
            TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        }
        assertThat(statements.count(() -> assertThat(provisioning.listEnvironments()).hasSizeGreaterThanOrEqualTo(3)))
                .isEqualTo(1);

        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        String envId = env.environment().id();
        provisioning.issueSecretKey(envId).orElseThrow();
        provisioning.issueSecretKey(envId).orElseThrow();
        // the existence check, then the keys
        assertThat(statements.count(() -> assertThat(provisioning.listSecretKeys(envId).orElseThrow()).hasSize(3)))
                .isEqualTo(2);
        assertThat(statements.count(() -> assertThat(secretKeys.activeSecretKeys(envId)).hasSize(3))).isEqualTo(1);
    }

    @Test
    void revokingAKeyIsOneReadAndOneUpdate() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.STAGING);

        assertThat(statements.count(() -> assertThat(provisioning.revokeSecretKey(env.environment().id(),
                env.secretKeyId())).hasValueSatisfying(key -> assertThat(key.active()).isFalse()))).isEqualTo(2);
    }
}
