package dev.triggerapi.environment;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.triggerapi.datasource.ReplicaFirstReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link EnvironmentSecretKeys} over {@code environment_secret_keys}, decrypting with the configured KEK. */
final class EncryptedSecretKeys implements EnvironmentSecretKeys {

    private static final Logger log = LoggerFactory.getLogger(EncryptedSecretKeys.class);

    private final EnvironmentSecretKeyRepository keys;
    private final ReplicaFirstReader reader;
    private final SecretKeyCipher cipher;
    private final Cache<String, List<ActiveSecretKey>> byEnvironment;

    EncryptedSecretKeys(EnvironmentSecretKeyRepository keys, ReplicaFirstReader reader, SecretKeyCipher cipher,
                        CredentialRevocations revocations, CredentialProperties settings) {
        this.keys = keys;
        this.reader = reader;
        this.cipher = cipher;
        this.byEnvironment = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(settings.cacheTtl()).build();
        revocations.onEnvironmentKeysChanged(byEnvironment::invalidate);
    }

    @Override
    public List<ActiveSecretKey> activeSecretKeys(String environmentId) {
        // The writer, not the replica: a key issued a moment ago must verify the first token signed with it,
        // and a revoked one must not; the per-environment cache keeps this off the hot path.
        return byEnvironment.get(environmentId, id -> reader.onWriter(() -> load(id)));
    }

    private List<ActiveSecretKey> load(String environmentId) {
        List<EnvironmentSecretKey> rows = keys.findDecryptable(environmentId);
        List<ActiveSecretKey> active = new ArrayList<>(rows.size());
        for (EnvironmentSecretKey row : rows) {
            if (!row.encryptionKeyId().equals(cipher.keyId())) {
                log.warn("Secret key {} of environment {} was encrypted with {} but this instance has {}: check "
                        + "SECRET_KEY_ENCRYPTION_KEY", row.getId(), environmentId, row.encryptionKeyId(), cipher.keyId());
                continue;
            }
            try {
                active.add(new ActiveSecretKey(row.getId(), cipher.open(row.keyCiphertext(), associatedData(environmentId, row.getId())),
                        row.createdAt()));
            } catch (GeneralSecurityException e) {
                log.warn("Secret key {} of environment {} does not decrypt ({}); skipped", row.getId(), environmentId,
                        e.getClass().getSimpleName());
            }
        }
        return List.copyOf(active);
    }

    /** Binds a ciphertext to its row. */
    static String associatedData(String environmentId, String keyId) {
        return environmentId + ":" + keyId;
    }
}
