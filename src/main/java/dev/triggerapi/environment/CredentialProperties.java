package dev.triggerapi.environment;

import java.time.Duration;

import dev.triggerapi.duration.NonNegativeDuration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of secret keys and worker tokens ({@code trigger-api.credentials.*}).
 *
 * @param secretKeyEncryptionKey base64 of the 32-byte AES key that encrypts secret keys at rest
 *                               ({@code SECRET_KEY_ENCRYPTION_KEY}). Required with an external database; the
 *                               embedded local cluster generates one when it is unset
 * @param cacheTtl               how long an instance trusts its in-process record of a valid key or token
 *                               ({@code AUTH_CACHE_TTL}, default 10 s): the bound on accepting a revoked
 *                               credential when the revocation broadcast over Redis did not arrive
 */
@Validated
@ConfigurationProperties("trigger-api.credentials")
public record CredentialProperties(
        @DefaultValue("") String secretKeyEncryptionKey,
        @DefaultValue("10s") @NonNegativeDuration Duration cacheTtl) {

    /** The setting and its environment variable, for error messages. */
    public static final String ENCRYPTION_KEY_SETTING = "trigger-api.credentials.secret-key-encryption-key (SECRET_KEY_ENCRYPTION_KEY)";

    /** The property that holds the key-encryption key. */
    public static final String ENCRYPTION_KEY_PROPERTY = "trigger-api.credentials.secret-key-encryption-key";

    /** A new random key-encryption key in the setting's format (base64 of 32 random bytes). */
    public static String generateEncryptionKey() {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.Base64.getEncoder().encodeToString(bytes);
    }
}
