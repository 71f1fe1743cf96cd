package dev.triggerapi.environment;

import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;

/**
 * Resolves a secret API key ({@code Authorization: Bearer tr_...}) to its environment. Any of the environment's
 * unrevoked keys is accepted, legacy (hash-only) keys included.
 */
public class ApiKeyAuthenticator {

    private final EnvironmentSecretKeyRepository keys;
    private final HashedSecretResolver<AuthenticatedEnvironment> resolver;

    ApiKeyAuthenticator(EnvironmentSecretKeyRepository keys, ReplicaFirstReader reader, CredentialRevocations revocations,
                        CredentialProperties settings) {
        this.keys = keys;
        this.resolver = new HashedSecretResolver<>(reader, this::lookup, revocations, settings.cacheTtl());
    }

    public Optional<AuthenticatedEnvironment> authenticate(String secretKey) {
        return resolver.resolve(secretKey);
    }

    /** Runs inside the resolver's replica (then writer) transaction; one statement (key, environment, project). */
    private Optional<AuthenticatedEnvironment> lookup(byte[] hash) {
        return keys.findActiveByHash(hash).stream()
                .filter(key -> SecretHashing.matches(hash, key.keyHash()))
                .map(key -> key.environment().authenticated())
                .findFirst();
    }
}
