package dev.triggerapi.environment;

import java.time.Instant;

/**
 * What listings show of a secret key or worker token (never the secret).
 *
 * @param id        credential id
 * @param hint      prefix and last four characters
 * @param createdAt when it was issued
 * @param revokedAt when it was revoked, {@code null} while active
 * @param legacy    created before keys were encrypted at rest: it authenticates, but the service cannot recover
 *                  it, so it cannot sign or verify SDK-minted tokens ({@code auth.createPublicToken()})
 */
record CredentialInfo(String id, String hint, Instant createdAt, Instant revokedAt, boolean legacy) {

    public boolean active() {
        return revokedAt == null;
    }
}
