package dev.triggerapi.environment;

/**
 * A newly created worker group and the only copy of its token (only the hash is stored).
 *
 * @param id    worker group id
 * @param name  worker group name
 * @param token the plain worker token, shown once
 */
public record ProvisionedWorkerGroup(String id, String name, String token) {
}
