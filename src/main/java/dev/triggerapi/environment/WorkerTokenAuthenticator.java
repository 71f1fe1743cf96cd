package dev.triggerapi.environment;

import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;

/**
 * Resolves a runner's worker-group token ({@code Authorization: Bearer tr_wgt_...}) to its worker group. Any of
 * the group's unrevoked tokens is accepted.
 */
public class WorkerTokenAuthenticator {

    private final WorkerGroupTokenRepository tokens;
    private final HashedSecretResolver<AuthenticatedWorkerGroup> resolver;

    WorkerTokenAuthenticator(WorkerGroupTokenRepository tokens, ReplicaFirstReader reader, CredentialRevocations revocations,
                             CredentialProperties settings) {
        this.tokens = tokens;
        this.resolver = new HashedSecretResolver<>(reader, this::lookup, revocations, settings.cacheTtl());
    }

    public Optional<AuthenticatedWorkerGroup> authenticate(String token) {
        return resolver.resolve(token);
    }

    /** Runs inside the resolver's replica (then writer) transaction; one statement (token and group). */
    private Optional<AuthenticatedWorkerGroup> lookup(byte[] hash) {
        return tokens.findActiveByHash(hash).stream()
                .filter(token -> SecretHashing.matches(hash, token.tokenHash()))
                .map(token -> new AuthenticatedWorkerGroup(token.workerGroup().getId(), token.workerGroup().name()))
                .findFirst();
    }

    /**
     * A runner's worker group.
     *
     * @param id   worker group id
     * @param name worker group name
     */
    public record AuthenticatedWorkerGroup(String id, String name) {
    }
}
