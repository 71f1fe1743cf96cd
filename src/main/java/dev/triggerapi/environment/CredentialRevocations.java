package dev.triggerapi.environment;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Makes a revocation (and a new key) visible to every instance at once. Each instance caches valid credentials
 * for {@code AUTH_CACHE_TTL}; after a revocation commits, its hash is broadcast on a Redis channel and every
 * instance drops the cached entry and remembers the hash as revoked. The tombstone matters: the next lookup may
 * read a replica that has not applied the revocation yet and would otherwise let the key back in.
 *
 * <p>When Redis is unreachable the broadcast is lost (logged); other instances then stop accepting the credential
 * when their cache entry expires, i.e. within {@code AUTH_CACHE_TTL} plus the replica's lag.
 */
final class CredentialRevocations implements MessageListener {

    static final String CHANNEL = "trigger-api:credentials:changed";
    private static final Logger log = LoggerFactory.getLogger(CredentialRevocations.class);

    private final StringRedisTemplate redis;
    // A revoked credential never becomes valid again, so tombstones only need to outlive stale reads.
    private final Cache<String, Boolean> revokedHashes = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(Duration.ofHours(1)).build();
    private final List<Consumer<String>> hashListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> environmentListeners = new CopyOnWriteArrayList<>();

    CredentialRevocations(StringRedisTemplate redis) {
        this.redis = redis;
    }

    void onRevokedHash(Consumer<String> listener) {
        hashListeners.add(listener);
    }

    void onEnvironmentKeysChanged(Consumer<String> listener) {
        environmentListeners.add(listener);
    }

    boolean isRevoked(String hashHex) {
        return revokedHashes.getIfPresent(hashHex) != null;
    }

    /** After the current transaction commits: this instance and (through Redis) every other forget the hash. */
    void revoked(String hashHex, String environmentId) {
        afterCommit(() -> {
            applyRevoked(hashHex, environmentId);
            publish("revoked " + hashHex + " " + (environmentId == null ? "-" : environmentId));
        });
    }

    /** After the current transaction commits: every instance re-reads the environment's active keys. */
    void environmentKeysChanged(String environmentId) {
        afterCommit(() -> {
            environmentListeners.forEach(l -> l.accept(environmentId));
            publish("keys " + environmentId);
        });
    }

    @Override
    public void onMessage(Message message, byte[] pattern) {
        String[] parts = new String(message.getBody(), StandardCharsets.UTF_8).split(" ");
        if (parts.length == 3 && parts[0].equals("revoked")) {
            applyRevoked(parts[1], parts[2].equals("-") ? null : parts[2]);
        } else if (parts.length == 2 && parts[0].equals("keys")) {
            environmentListeners.forEach(l -> l.accept(parts[1]));
        }
    }

    private void applyRevoked(String hashHex, String environmentId) {
        revokedHashes.put(hashHex, Boolean.TRUE);
        hashListeners.forEach(l -> l.accept(hashHex));
        if (environmentId != null) {
            environmentListeners.forEach(l -> l.accept(environmentId));
        }
    }

    private void publish(String body) {
        try {
            redis.convertAndSend(CHANNEL, body);
        } catch (RuntimeException e) {
            log.warn("Could not broadcast a credential change over Redis ({}); other instances pick it up within "
                    + "AUTH_CACHE_TTL", e.getMessage());
        }
    }

    private static void afterCommit(Runnable action) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    action.run();
                }
            });
        } else {
            action.run();
        }
    }
}
