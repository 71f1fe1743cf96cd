package dev.triggerapi.environment;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a missing or malformed key-encryption key into a short startup report naming the setting. */
class EncryptionKeyFailureAnalyzer extends AbstractFailureAnalyzer<SecretKeyCipher.InvalidEncryptionKeyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SecretKeyCipher.InvalidEncryptionKeyException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Set SECRET_KEY_ENCRYPTION_KEY to base64 of 32 random bytes (e.g. `openssl rand -base64 32`) and keep "
                        + "it: every instance needs the same value, and secret keys sealed with a lost one cannot be "
                        + "recovered (they still authenticate, but cannot verify SDK-signed tokens).",
                cause);
    }
}
