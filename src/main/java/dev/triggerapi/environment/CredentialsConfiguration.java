package dev.triggerapi.environment;

import java.time.Clock;
import java.util.concurrent.Executors;

import dev.triggerapi.concurrent.DaemonThreads;
import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Wires key storage: the key-encryption key (a startup error naming {@code SECRET_KEY_ENCRYPTION_KEY} when it is
 * missing or malformed), the revocation broadcast over Redis, the authenticators and provisioning.
 */
@Configuration(proxyBeanMethods = false)
class CredentialsConfiguration {

    @Bean
    SecretKeyCipher secretKeyCipher(CredentialProperties settings) {
        return SecretKeyCipher.fromConfiguration(settings.secretKeyEncryptionKey());
    }

    @Bean
    CredentialRevocations credentialRevocations(StringRedisTemplate redis) {
        return new CredentialRevocations(redis);
    }

    /** Its own pub/sub connection: revocations must not queue behind realtime traffic. */
    @Bean
    RedisMessageListenerContainer credentialRevocationListener(RedisConnectionFactory connections) {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(connections);
        container.setTaskExecutor(Executors.newSingleThreadExecutor(DaemonThreads.named("credential-revocations")));
        container.setRecoveryInterval(1000);
        return container;
    }

    /**
     * Subscribes once the application runs, off the main thread: a Redis that is down, still starting or slow to
     * answer on a busy machine must neither fail nor delay startup ({@link CredentialRevocations#subscribe}).
     */
    @Bean
    ApplicationListener<ApplicationReadyEvent> credentialRevocationSubscription(
            @Qualifier("credentialRevocationListener") RedisMessageListenerContainer container,
            CredentialRevocations revocations) {
        return event -> {
            DaemonThreads.thread("credential-revocations-subscribe", () -> revocations.subscribe(container)).start();
        };
    }

    @Bean
    ApiKeyAuthenticator apiKeyAuthenticator(EnvironmentSecretKeyRepository keys, ReplicaFirstReader reader,
                                            CredentialRevocations revocations, CredentialProperties settings) {
        return new ApiKeyAuthenticator(keys, reader, revocations, settings);
    }

    @Bean
    WorkerTokenAuthenticator workerTokenAuthenticator(WorkerGroupTokenRepository tokens, ReplicaFirstReader reader,
                                                      CredentialRevocations revocations, CredentialProperties settings) {
        return new WorkerTokenAuthenticator(tokens, reader, revocations, settings);
    }

    @Bean
    EnvironmentRepositories environmentRepositories(OrganizationRepository organizations, ProjectRepository projects,
                                                    RuntimeEnvironmentRepository environments,
                                                    EnvironmentSecretKeyRepository secretKeys,
                                                    WorkerGroupRepository workerGroups,
                                                    WorkerGroupTokenRepository workerTokens) {
        return new EnvironmentRepositories(organizations, projects, environments, secretKeys, workerGroups, workerTokens);
    }

    @Bean
    EnvironmentProvisioning environmentProvisioning(EnvironmentRepositories repositories, JdbcClient jdbc,
                                                    SecretKeyCipher cipher, CredentialRevocations revocations,
                                                    Clock clock) {
        return new EnvironmentProvisioning(repositories, jdbc, cipher, revocations, clock);
    }

    @Bean
    EnvironmentSecretKeys environmentSecretKeys(EnvironmentSecretKeyRepository keys, ReplicaFirstReader reader, SecretKeyCipher cipher,
                                                CredentialRevocations revocations, CredentialProperties settings) {
        return new EncryptedSecretKeys(keys, reader, cipher, revocations, settings);
    }
}
