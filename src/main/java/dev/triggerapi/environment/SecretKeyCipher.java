package dev.triggerapi.environment;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secret keys at rest with AES-256-GCM under the key-encryption key (KEK). The stored value is
 * {@code nonce (12 bytes) || ciphertext || tag (16 bytes)}; the associated data binds it to its row, so a
 * ciphertext copied onto another environment's row does not decrypt.
 */
final class SecretKeyCipher {

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey kek;
    private final String keyId;
    private final SecureRandom random = new SecureRandom();

    private SecretKeyCipher(byte[] kekBytes) {
        this.kek = new SecretKeySpec(kekBytes, "AES");
        // A fingerprint, not the key: tells which KEK sealed a row (rotation, or a misconfigured instance).
        this.keyId = "kek_" + HexFormat.of().formatHex(SecretHashing.sha256Bytes(kekBytes), 0, 8);
    }

    /**
     * @param base64Kek the configured KEK, base64 of exactly 32 bytes
     * @throws InvalidEncryptionKeyException when it is missing or malformed (the message names the setting)
     */
    static SecretKeyCipher fromConfiguration(String base64Kek) {
        if (base64Kek == null || base64Kek.isBlank()) {
            throw new InvalidEncryptionKeyException(CredentialProperties.ENCRYPTION_KEY_SETTING + " is not set. "
                    + "Secret keys are stored encrypted with it; with an external database it is required");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64Kek.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidEncryptionKeyException(CredentialProperties.ENCRYPTION_KEY_SETTING + " is not valid base64");
        }
        if (bytes.length != 32) {
            throw new InvalidEncryptionKeyException(CredentialProperties.ENCRYPTION_KEY_SETTING
                    + " must be 32 bytes (base64 of 32 random bytes), not " + bytes.length);
        }
        return new SecretKeyCipher(bytes);
    }

    /** The fingerprint stored next to every ciphertext this cipher makes. */
    String keyId() {
        return keyId;
    }

    byte[] seal(String secretKey, String associatedData) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, kek, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secretKey.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is always available", e);
        }
    }

    /** @throws GeneralSecurityException when the ciphertext was not sealed by this KEK for this row */
    String open(byte[] stored, String associatedData) throws GeneralSecurityException {
        if (stored.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new GeneralSecurityException("ciphertext too short");
        }
        Cipher cipher = Cipher.getInstance(TRANSFORMATION);
        cipher.init(Cipher.DECRYPT_MODE, kek, new GCMParameterSpec(TAG_BITS, stored, 0, NONCE_BYTES));
        cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
        byte[] plain = cipher.doFinal(stored, NONCE_BYTES, stored.length - NONCE_BYTES);
        return new String(plain, StandardCharsets.UTF_8);
    }

    /** The configured key-encryption key is missing or malformed. */
    static final class InvalidEncryptionKeyException extends RuntimeException {
        InvalidEncryptionKeyException(String message) {
            super(message);
        }
    }
}
