package dev.triggerapi.environment;

/**
 * A newly created environment and the only copy of its secret key (only the hash is stored).
 *
 * @param environment the environment
 * @param secretKey   the plain secret API key, shown once
 */
public record ProvisionedEnvironment(AuthenticatedEnvironment environment, String secretKey) {
}
