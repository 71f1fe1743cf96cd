package dev.triggerapi.environment;

import java.util.concurrent.Executors;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Wires key storage: the key-encryption key (a startup error naming {@code SECRET_KEY_ENCRYPTION_KEY} when it is
 * missing or malformed), the revocation broadcast over Redis, the authenticators and provisioning.
 */
@Configuration(proxyBeanMethods = false)
class CredentialsConfiguration {

    private static final Logger log = LoggerFactory.getLogger(CredentialsConfiguration.class);

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
        container.setTaskExecutor(Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "credential-revocations");
            thread.setDaemon(true);
            return thread;
        }));
        container.setRecoveryInterval(1000);
        return container;
    }

    /**
     * Subscribes once the application runs, off the main thread: a Redis that is down or still starting must
     * neither fail nor delay startup. The listener stays registered after a failed first attempt and the container
     * re-subscribes with back-off; meanwhile {@code AUTH_CACHE_TTL} bounds how long a revoked credential lives.
     */
    @Bean
    ApplicationListener<ApplicationReadyEvent> credentialRevocationSubscription(
            @Qualifier("credentialRevocationListener") RedisMessageListenerContainer container,
            CredentialRevocations revocations) {
        return event -> {
            Thread subscriber = new Thread(() -> {
                try {
                    container.addMessageListener(revocations, new ChannelTopic(CredentialRevocations.CHANNEL));
                } catch (RuntimeException e) {
                    log.warn("Subscribing to credential revocations failed at first ({}); retrying in the background",
                            e.getMessage());
                }
            }, "credential-revocations-subscribe");
            subscriber.setDaemon(true);
            subscriber.start();
        };
    }

    @Bean
    ApiKeyAuthenticator apiKeyAuthenticator(JdbcClient jdbc, ReplicaFirstReader reader,
                                            CredentialRevocations revocations, CredentialProperties settings) {
        return new ApiKeyAuthenticator(jdbc, reader, revocations, settings);
    }

    @Bean
    WorkerTokenAuthenticator workerTokenAuthenticator(JdbcClient jdbc, ReplicaFirstReader reader,
                                                      CredentialRevocations revocations, CredentialProperties settings) {
        return new WorkerTokenAuthenticator(jdbc, reader, revocations, settings);
    }

    @Bean
    EnvironmentProvisioning environmentProvisioning(JdbcClient jdbc, SecretKeyCipher cipher,
                                                    CredentialRevocations revocations) {
        return new EnvironmentProvisioning(jdbc, cipher, revocations);
    }

    @Bean
    EnvironmentSecretKeys environmentSecretKeys(JdbcClient jdbc, ReplicaFirstReader reader, SecretKeyCipher cipher,
                                                CredentialRevocations revocations, CredentialProperties settings) {
        return new EncryptedSecretKeys(jdbc, reader, cipher, revocations, settings);
    }
}
