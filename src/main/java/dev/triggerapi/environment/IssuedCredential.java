package dev.triggerapi.environment;

/**
 * A secret key or worker token just issued: the only time its plain value exists outside its owner.
 *
 * @param id     the credential's id (to list and revoke it)
 * @param secret the plain secret, shown once
 * @param hint   prefix and last four characters, as listings show it
 */
public record IssuedCredential(String id, String secret, String hint) {

    /** Never prints the secret, so logging the record cannot leak it. */
    @Override
    public String toString() {
        return "IssuedCredential[id=" + id + ", hint=" + hint + "]";
    }
}
