package dev.triggerapi.environment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Several keys per environment, encrypted at rest, recoverable for token verification, revocable at once. */
@IntegrationTest
class SecretKeyStorageTest {

    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    EnvironmentSecretKeys secretKeys;
    @Autowired
    ApiKeyAuthenticator authenticator;
    @Autowired
    WorkerTokenAuthenticator workerTokens;
    @Autowired
    JdbcClient jdbc;

    @Test
    void noSecretKeyIsStoredInPlainText() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        IssuedCredential second = provisioning.issueSecretKey(env.environment().id()).orElseThrow();
        List<String> secrets = List.of(env.secretKey(), second.secret());

        // Every column of every row that belongs to the environment, as text and as raw bytes.
        List<Map<String, Object>> rows = jdbc.sql("SELECT * FROM environment_secret_keys WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query().listOfRows();
        rows.addAll(jdbc.sql("SELECT * FROM runtime_environments WHERE id = ?").param(env.environment().id())
                .query().listOfRows());
        List<String> asText = jdbc.sql("SELECT k::text FROM environment_secret_keys k WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(String.class).list();

        assertThat(rows).hasSize(3);
        for (String secret : secrets) {
            String randomPart = secret.substring(secret.lastIndexOf('_') + 1);
            assertThat(asText).noneMatch(text -> text.contains(randomPart));
            for (Map<String, Object> row : rows) {
                assertThat(row.values()).as("columns of a stored row").noneMatch(value -> value != null
                        && (value instanceof byte[] bytes ? new String(bytes, StandardCharsets.ISO_8859_1) : value.toString())
                        .contains(randomPart));
            }
        }
        assertThat(rows.subList(0, 2)).allSatisfy(row -> assertThat(row.get("key_ciphertext")).isNotNull());
    }

    @Test
    void activeSecretKeysAreTheDecryptedUnrevokedKeysNewestFirst() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.STAGING);
        String envId = env.environment().id();
        assertThat(secretKeys.activeSecretKeys(envId)).extracting(ActiveSecretKey::secretKey).containsExactly(env.secretKey());

        IssuedCredential second = provisioning.issueSecretKey(envId).orElseThrow();
        assertThat(secretKeys.activeSecretKeys(envId)).extracting(ActiveSecretKey::secretKey)
                .containsExactly(second.secret(), env.secretKey());

        provisioning.revokeSecretKey(envId, env.secretKeyId()).orElseThrow();
        assertThat(secretKeys.activeSecretKeys(envId)).extracting(ActiveSecretKey::id).containsExactly(second.id());
        assertThat(secretKeys.activeSecretKeys("no-such-environment")).isEmpty();
    }

    @Test
    void everyActiveKeyAuthenticatesAndListingsNeverShowASecret() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        IssuedCredential second = provisioning.issueSecretKey(env.environment().id()).orElseThrow();

        assertThat(authenticator.authenticate(env.secretKey())).contains(env.environment());
        assertThat(authenticator.authenticate(second.secret())).contains(env.environment());
        assertThat(provisioning.listSecretKeys(env.environment().id()).orElseThrow())
                .extracting(CredentialInfo::id, CredentialInfo::active, CredentialInfo::legacy)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(env.secretKeyId(), true, false),
                        org.assertj.core.groups.Tuple.tuple(second.id(), true, false));
        assertThat(provisioning.listSecretKeys(env.environment().id()).orElseThrow().toString())
                .doesNotContain(env.secretKey()).doesNotContain(second.secret());
        assertThat(second.toString()).doesNotContain(second.secret());
        assertThat(env.toString()).doesNotContain(env.secretKey());
    }

    @Test
    void revokedKeyIsRefusedAtOnceEvenWhileTheReplicaStillShowsItActive() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        IssuedCredential other = provisioning.issueSecretKey(env.environment().id()).orElseThrow();
        assertThat(authenticator.authenticate(env.secretKey())).isPresent(); // now cached on this instance

        Cluster.replicaDelay(Duration.ofSeconds(3));
        provisioning.revokeSecretKey(env.environment().id(), env.secretKeyId()).orElseThrow();

        assertThat(jdbc.sql("SELECT revoked_at IS NOT NULL FROM environment_secret_keys WHERE id = ?")
                .param(env.secretKeyId()).query(Boolean.class).single()).isTrue();
        assertThat(authenticator.authenticate(env.secretKey())).isEmpty();
        assertThat(authenticator.authenticate(other.secret())).contains(env.environment());
    }

    @Test
    void workerGroupsHaveSeveralTokensAndARevokedOneIsRefused() {
        ProvisionedWorkerGroup group = TestData.workerGroup(provisioning);
        IssuedCredential second = provisioning.issueWorkerToken(group.id()).orElseThrow();
        assertThat(workerTokens.authenticate(group.token())).isPresent();
        assertThat(workerTokens.authenticate(second.secret())).isPresent();

        provisioning.revokeWorkerToken(group.id(), group.tokenId()).orElseThrow();

        assertThat(workerTokens.authenticate(group.token())).isEmpty();
        assertThat(workerTokens.authenticate(second.secret())).isPresent();
        assertThat(provisioning.listWorkerTokens(group.id()).orElseThrow()).extracting(CredentialInfo::active)
                .containsExactly(false, true);
    }

    @Test
    void aKeyOfOneEnvironmentCannotBeRevokedThroughAnother() {
        ProvisionedEnvironment a = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        ProvisionedEnvironment b = TestData.environment(provisioning, EnvironmentType.PRODUCTION);

        assertThat(provisioning.revokeSecretKey(b.environment().id(), a.secretKeyId())).isEmpty();
        assertThat(authenticator.authenticate(a.secretKey())).isPresent();
    }

    @Test
    void ciphertextCopiedOntoAnotherEnvironmentsRowDoesNotDecrypt() {
        ProvisionedEnvironment a = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        ProvisionedEnvironment b = TestData.environment(provisioning, EnvironmentType.PRODUCTION);

        jdbc.sql("""
                UPDATE environment_secret_keys SET key_ciphertext = (SELECT key_ciphertext FROM environment_secret_keys WHERE id = ?)
                WHERE id = ?""").params(a.secretKeyId(), b.secretKeyId()).update();
        provisioning.issueSecretKey(b.environment().id()); // evicts b's cached keys

        assertThat(secretKeys.activeSecretKeys(b.environment().id())).extracting(ActiveSecretKey::secretKey)
                .doesNotContain(a.secretKey(), b.secretKey());
    }
}
