package dev.triggerapi.environment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

@IntegrationTest
class ApiKeyAuthenticatorTest {

    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    ApiKeyAuthenticator authenticator;
    @Autowired
    WorkerTokenAuthenticator workerTokens;
    @Autowired
    JdbcClient jdbc;

    @Test
    void keyCreatedWhileTheReplicaLagsAuthenticatesThroughTheWriter() {
        Cluster.replicaDelay(Duration.ofMillis(800));
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);

        assertThat(authenticator.authenticate(env.secretKey())).contains(env.environment());
    }

    @Test
    void workerTokenCreatedWhileTheReplicaLagsAuthenticates() {
        Cluster.replicaDelay(Duration.ofMillis(800));
        ProvisionedWorkerGroup group = TestData.workerGroup(provisioning);

        assertThat(workerTokens.authenticate(group.token())).hasValueSatisfying(g -> assertThat(g.id()).isEqualTo(group.id()));
        assertThat(authenticator.authenticate(group.token())).isEmpty();
    }

    @Test
    void wrongKeyIsRefused() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        assertThat(authenticator.authenticate(env.secretKey() + "x")).isEmpty();
        assertThat(authenticator.authenticate(null)).isEmpty();
    }
}
