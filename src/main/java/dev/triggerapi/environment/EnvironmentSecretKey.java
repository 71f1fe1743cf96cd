package dev.triggerapi.environment;

import java.time.Instant;

import dev.triggerapi.datasource.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/**
 * One secret API key of an environment (table {@code environment_secret_keys}): its SHA-256 for the authentication
 * lookup, and the key sealed under the key-encryption key (absent for legacy, hash-only keys).
 */
@Entity
@Table(name = "environment_secret_keys")
class EnvironmentSecretKey extends AssignedIdEntity {

    @Id
    private String id;
    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "runtime_environment_id", nullable = false, updatable = false)
    private RuntimeEnvironment environment;
    @Column(name = "key_hash", nullable = false, updatable = false)
    private byte[] keyHash;
    @Column(name = "key_hint", nullable = false, updatable = false)
    private String keyHint;
    @Column(name = "key_ciphertext", updatable = false)
    private byte[] keyCiphertext;
    @Column(name = "encryption_key_id", updatable = false)
    private String encryptionKeyId;
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;
    @Column(name = "revoked_at")
    private Instant revokedAt;

    protected EnvironmentSecretKey() {
    }

    @Override
    public String getId() {
        return id;
    }

    EnvironmentSecretKey(String id, RuntimeEnvironment environment, byte[] keyHash, String keyHint,
                         byte[] keyCiphertext, String encryptionKeyId) {
        this.id = id;
        this.environment = environment;
        this.keyHash = keyHash;
        this.keyHint = keyHint;
        this.keyCiphertext = keyCiphertext;
        this.encryptionKeyId = encryptionKeyId;
    }

    /** Lazy: callers that read it fetch it in their query. */
    RuntimeEnvironment environment() {
        return environment;
    }

    byte[] keyHash() {
        return keyHash;
    }

    byte[] keyCiphertext() {
        return keyCiphertext;
    }

    String encryptionKeyId() {
        return encryptionKeyId;
    }

    Instant createdAt() {
        return createdAt;
    }

    /** Revokes the key at {@code now}; a revoked key keeps its first revocation time. */
    void revoke(Instant now) {
        if (revokedAt == null) {
            revokedAt = now;
        }
    }

    CredentialInfo info() {
        return new CredentialInfo(id, keyHint, createdAt, revokedAt, keyCiphertext == null);
    }
}
