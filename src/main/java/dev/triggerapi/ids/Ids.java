package dev.triggerapi.ids;

import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Generates ids: 25 lower-case base-36 characters, a millisecond timestamp first so ids sort roughly by
 * creation, then randomness. Friendly ids add a type prefix ({@code run_}, {@code batch_}, ...).
 */
public final class Ids {

    /*
     * One generator per thread. The default SecureRandom (NativePRNG) serialises every caller on one process-wide
     * lock around its /dev/urandom read; with a trigger minting several ids, request threads queued and spun on it
     * (most of the monitor wait in a wrk profile, BENCHMARKS.md). A DRBG instance is seeded once from the system
     * and then draws without any shared state.
     */
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(Ids::newGenerator);
    private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final char[] KEY_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray();

    private Ids() {
    }

    /** A new 25-character id. */
    public static String newId() {
        StringBuilder sb = new StringBuilder(25);
        String time = Long.toString(System.currentTimeMillis(), 36);
        sb.append('c').append(time);
        byte[] bytes = new byte[16];
        RANDOM.get().nextBytes(bytes);
        ByteBuffer random = ByteBuffer.wrap(bytes);
        long[] words = {random.getLong(), random.getLong()};
        for (int i = 0; sb.length() < 25; i++) {
            // Base-36 digits of two 64-bit words, 8 from each (36^8 < 2^42: the modulo bias is negligible).
            int w = (i / 8) % 2;
            sb.append(ALPHABET[(int) Long.remainderUnsigned(words[w], ALPHABET.length)]);
            words[w] = Long.divideUnsigned(words[w], ALPHABET.length);
        }
        return sb.toString();
    }

    private static SecureRandom newGenerator() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** {@code prefix_} + a new id, e.g. {@code run_c...}. */
    public static String friendly(String prefix) {
        return prefix + "_" + newId();
    }

    /** A secret of {@code length} random alphanumeric characters (for API keys and tokens). */
    public static String secret(int length) {
        SecureRandom random = RANDOM.get();
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = KEY_ALPHABET[random.nextInt(KEY_ALPHABET.length)];
        }
        return new String(out);
    }
}
