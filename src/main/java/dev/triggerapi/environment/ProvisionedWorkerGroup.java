package dev.triggerapi.environment;

/**
 * A newly created worker group and the only copy of its first token (only the hash is stored).
 *
 * @param id      worker group id
 * @param name    worker group name
 * @param token   the plain worker token, shown once
 * @param tokenId the token's id (to list and revoke it)
 */
public record ProvisionedWorkerGroup(String id, String name, String token, String tokenId) {

    /** Never prints the token, so logging the record cannot leak it. */
    @Override
    public String toString() {
        return "ProvisionedWorkerGroup[id=" + id + ", name=" + name + ", tokenId=" + tokenId + "]";
    }
}
