package dev.triggerapi.environment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Secrets (API keys, worker tokens) are stored and looked up only as their SHA-256. */
public final class SecretHashing {

    private SecretHashing() {
    }

    public static byte[] sha256(String secret) {
        return sha256Bytes(secret.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256Bytes(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** Constant-time comparison, so response timing does not reveal how much of a hash matched. */
    public static boolean matches(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }

    /** A short, non-secret hint for humans: prefix and the last four characters. */
    static String hint(String secret) {
        int cut = secret.lastIndexOf('_');
        String prefix = cut > 0 ? secret.substring(0, cut + 1) : "";
        return prefix + "…" + secret.substring(Math.max(secret.length() - 4, 0));
    }
}
