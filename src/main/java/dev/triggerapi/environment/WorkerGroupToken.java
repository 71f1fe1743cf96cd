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

/** One token of a worker group (table {@code worker_group_tokens}), stored only as its SHA-256. */
@Entity
@Table(name = "worker_group_tokens")
class WorkerGroupToken extends AssignedIdEntity {

    /** Tokens migrated from the single-token schema (V8) carry this id prefix. */
    private static final String LEGACY_PREFIX = "legacy_";

    @Id
    private String id;
    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "worker_group_id", nullable = false, updatable = false)
    private WorkerGroup workerGroup;
    @Column(name = "token_hash", nullable = false, updatable = false)
    private byte[] tokenHash;
    @Column(name = "token_hint", nullable = false, updatable = false)
    private String tokenHint;
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;
    @Column(name = "revoked_at")
    private Instant revokedAt;

    protected WorkerGroupToken() {
    }

    @Override
    public String getId() {
        return id;
    }

    WorkerGroupToken(String id, WorkerGroup workerGroup, byte[] tokenHash, String tokenHint) {
        this.id = id;
        this.workerGroup = workerGroup;
        this.tokenHash = tokenHash;
        this.tokenHint = tokenHint;
    }

    /** Lazy: callers that read it fetch it in their query. */
    WorkerGroup workerGroup() {
        return workerGroup;
    }

    byte[] tokenHash() {
        return tokenHash;
    }

    /** Revokes the token at {@code now}; a revoked token keeps its first revocation time. */
    void revoke(Instant now) {
        if (revokedAt == null) {
            revokedAt = now;
        }
    }

    CredentialInfo info() {
        return new CredentialInfo(id, tokenHint, createdAt, revokedAt, id.startsWith(LEGACY_PREFIX));
    }
}
