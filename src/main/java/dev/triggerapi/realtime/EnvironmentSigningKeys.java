package dev.triggerapi.realtime;

import java.util.List;

/**
 * The plaintext secret keys of an environment, which the official SDK uses as the HS256 key when it signs a public
 * access token itself ({@code auth.createPublicToken()}); the realtime routes need them to verify such tokens.
 * Implemented over the environment's key store, where keys are kept encrypted at rest.
 */
public interface EnvironmentSigningKeys {

    /** The environment's currently valid secret keys (more than one while a key is being rotated); may be empty. */
    List<String> activeSecretKeys(String environmentId);

    /** No plaintext keys available: SDK-signed tokens are refused (server-issued ones still work). */
    EnvironmentSigningKeys NONE = environmentId -> List.of();
}
