package dev.triggerapi.environment;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.triggerapi.datasource.ReplicaFirstReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/** {@link EnvironmentSecretKeys} over {@code environment_secret_keys}, decrypting with the configured KEK. */
final class EncryptedSecretKeys implements EnvironmentSecretKeys {

    private static final Logger log = LoggerFactory.getLogger(EncryptedSecretKeys.class);

    private final JdbcClient jdbc;
    private final ReplicaFirstReader reader;
    private final SecretKeyCipher cipher;
    private final Cache<String, List<ActiveSecretKey>> byEnvironment;

    EncryptedSecretKeys(JdbcClient jdbc, ReplicaFirstReader reader, SecretKeyCipher cipher,
                        CredentialRevocations revocations, CredentialProperties settings) {
        this.jdbc = jdbc;
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
        record Row(String id, byte[] ciphertext, String encryptionKeyId, java.time.Instant createdAt) {
        }
        List<Row> rows = jdbc.sql("""
                        SELECT id, key_ciphertext, encryption_key_id, created_at FROM environment_secret_keys
                        WHERE runtime_environment_id = ? AND revoked_at IS NULL AND key_ciphertext IS NOT NULL
                        ORDER BY created_at DESC, id DESC""")
                .param(environmentId)
                .query((rs, n) -> new Row(rs.getString("id"), rs.getBytes("key_ciphertext"),
                        rs.getString("encryption_key_id"), rs.getTimestamp("created_at").toInstant()))
                .list();
        List<ActiveSecretKey> keys = new ArrayList<>(rows.size());
        for (Row row : rows) {
            if (!row.encryptionKeyId().equals(cipher.keyId())) {
                log.warn("Secret key {} of environment {} was encrypted with {} but this instance has {}: check "
                        + "SECRET_KEY_ENCRYPTION_KEY", row.id(), environmentId, row.encryptionKeyId(), cipher.keyId());
                continue;
            }
            try {
                keys.add(new ActiveSecretKey(row.id(), cipher.open(row.ciphertext(), associatedData(environmentId, row.id())),
                        row.createdAt()));
            } catch (GeneralSecurityException e) {
                log.warn("Secret key {} of environment {} does not decrypt ({}); skipped", row.id(), environmentId,
                        e.getClass().getSimpleName());
            }
        }
        return List.copyOf(keys);
    }

    /** Binds a ciphertext to its row. */
    static String associatedData(String environmentId, String keyId) {
        return environmentId + ":" + keyId;
    }
}
