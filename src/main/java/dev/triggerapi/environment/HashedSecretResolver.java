package dev.triggerapi.environment;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.triggerapi.datasource.ReplicaFirstReader;

/**
 * Resolves a secret (API key, worker token) by its SHA-256: in-process cache, then replica, then writer.
 * A secret created a moment ago may not be on the replica yet, which must not become a 401; unknown secrets
 * are remembered for two seconds so a flood of bad ones cannot turn the writer into the hot path. Valid secrets
 * are remembered for {@code AUTH_CACHE_TTL}; a revocation evicts them at once and leaves a tombstone
 * ({@link CredentialRevocations}), so a lagging replica cannot re-admit a revoked secret.
 */
final class HashedSecretResolver<T> {

    private static final int MAX_SECRET_LENGTH = 512;

    private final ReplicaFirstReader reader;
    private final Function<byte[], Optional<T>> lookupByHash;
    private final CredentialRevocations revocations;
    private final Cache<String, T> known;
    private final Cache<String, Boolean> unknown = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofSeconds(2)).build();

    HashedSecretResolver(ReplicaFirstReader reader, Function<byte[], Optional<T>> lookupByHash,
                         CredentialRevocations revocations, Duration cacheTtl) {
        this.reader = reader;
        this.lookupByHash = lookupByHash;
        this.revocations = revocations;
        this.known = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(cacheTtl).build();
        revocations.onRevokedHash(known::invalidate);
    }

    Optional<T> resolve(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > MAX_SECRET_LENGTH) {
            return Optional.empty();
        }
        byte[] hash = SecretHashing.sha256(secret);
        String cacheKey = HexFormat.of().formatHex(hash);
        if (revocations.isRevoked(cacheKey)) {
            return Optional.empty();
        }
        T cached = known.getIfPresent(cacheKey);
        if (cached != null) {
            return Optional.of(cached);
        }
        if (unknown.getIfPresent(cacheKey) != null) {
            return Optional.empty();
        }
        Optional<T> found = reader.read(() -> lookupByHash.apply(hash)).value();
        // Checked again after the read: a revocation may have arrived while it ran (on a lagging replica).
        if (found.isPresent() && !revocations.isRevoked(cacheKey)) {
            known.put(cacheKey, found.get());
            return found;
        }
        unknown.put(cacheKey, Boolean.TRUE);
        return Optional.empty();
    }
}
