package dev.triggerapi.ids;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * Generates ids: 25 lower-case base-36 characters, a millisecond timestamp first so ids sort roughly by
 * creation, then randomness. Friendly ids add a type prefix ({@code run_}, {@code batch_}, ...).
 */
public final class Ids {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final char[] KEY_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray();

    private Ids() {
    }

    /** A new 25-character id. */
    public static String newId() {
        StringBuilder sb = new StringBuilder(25);
        String time = Long.toString(System.currentTimeMillis(), 36);
        sb.append('c').append(time);
        // One draw per id: the shared SecureRandom is synchronized, and a trigger mints several ids (run, snapshot,
        // batch); a draw per character made request threads queue on its lock under load.
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
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

    /** {@code prefix_} + a new id, e.g. {@code run_c...}. */
    public static String friendly(String prefix) {
        return prefix + "_" + newId();
    }

    /** A secret of {@code length} random alphanumeric characters (for API keys and tokens). */
    public static String secret(int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = KEY_ALPHABET[RANDOM.nextInt(KEY_ALPHABET.length)];
        }
        return new String(out);
    }
}
