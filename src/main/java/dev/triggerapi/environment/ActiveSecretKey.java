package dev.triggerapi.environment;

import java.time.Instant;

/**
 * An environment's unrevoked secret key, decrypted (e.g. to verify an HS256 token the SDK signed with it).
 *
 * @param id        key id
 * @param secretKey the plain secret key
 * @param createdAt when it was issued
 */
public record ActiveSecretKey(String id, String secretKey, Instant createdAt) {

    /** Never prints the key, so logging the record cannot leak it. */
    @Override
    public String toString() {
        return "ActiveSecretKey[id=" + id + ", createdAt=" + createdAt + "]";
    }
}
