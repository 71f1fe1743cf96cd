package dev.triggerapi.environment;

import java.util.List;

/**
 * The plain secret keys of an environment, for features that must verify what a client signed with one (the
 * SDK's {@code auth.createPublicToken()} signs HS256 tokens with the secret key). Keys are stored encrypted with
 * {@code SECRET_KEY_ENCRYPTION_KEY}; legacy keys (hash only) are not returned because they cannot be recovered.
 */
public interface EnvironmentSecretKeys {

    /**
     * The environment's unrevoked, recoverable secret keys, newest first; empty for an unknown environment.
     * Read from the writer and cached per instance for {@code AUTH_CACHE_TTL}; issuing or revoking a key evicts
     * the entry on every instance at once (Redis broadcast), so a revoked key stops verifying immediately and a
     * new key is usable as soon as it is issued.
     */
    List<ActiveSecretKey> activeSecretKeys(String environmentId);
}
