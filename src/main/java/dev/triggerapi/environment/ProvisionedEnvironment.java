package dev.triggerapi.environment;

/**
 * A newly created environment and the only plain copy of its first secret key (stored as a hash for lookup and
 * encrypted for token verification, never in plain text).
 *
 * @param environment the environment
 * @param secretKey   the plain secret API key, shown once
 * @param secretKeyId the key's id (to list and revoke it)
 */
public record ProvisionedEnvironment(AuthenticatedEnvironment environment, String secretKey, String secretKeyId) {

    /** Never prints the key, so logging the record cannot leak it. */
    @Override
    public String toString() {
        return "ProvisionedEnvironment[environment=" + environment + ", secretKeyId=" + secretKeyId + "]";
    }
}
