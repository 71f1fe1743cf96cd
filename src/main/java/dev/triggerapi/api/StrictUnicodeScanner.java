package dev.triggerapi.api;

/**
 * Checks a stream of UTF-16 characters of JSON text, fed in chunks, for surrogates that do not form a pair:
 * raw ones (only possible when the text did not come from UTF-8 bytes) and {@code \}{@code uD800}-style escapes.
 * It follows backslash escapes only as far as needed: {@code \\} is an escaped backslash, so the {@code u} after
 * it starts no escape. Anything else malformed is left for the JSON parser to report.
 */
final class StrictUnicodeScanner {

    private static final int PLAIN = 0;
    private static final int AFTER_BACKSLASH = 1;
    private static final int IN_UNICODE_ESCAPE = 2;

    private int state = PLAIN;
    private int hexDigits;
    private int codeUnit;
    /** An escaped high surrogate was just read: the very next thing must be an escaped low surrogate. */
    private boolean escapedHighPending;
    /** A raw high surrogate was just read: the very next character must be a raw low surrogate. */
    private boolean rawHighPending;

    void scan(char[] chars, int offset, int length) throws InvalidUnicodeException {
        for (int i = offset; i < offset + length; i++) {
            scan(chars[i]);
        }
    }

    void scan(char c) throws InvalidUnicodeException {
        if (rawHighPending) {
            if (!Character.isLowSurrogate(c)) {
                throw unpaired();
            }
            rawHighPending = false;
            return;
        }
        switch (state) {
            case PLAIN -> {
                if (c == '\\') {
                    state = AFTER_BACKSLASH;
                } else if (escapedHighPending) {
                    throw unpaired();
                } else if (Character.isHighSurrogate(c)) {
                    rawHighPending = true;
                } else if (Character.isLowSurrogate(c)) {
                    throw unpaired();
                }
            }
            case AFTER_BACKSLASH -> {
                if (c == 'u') {
                    state = IN_UNICODE_ESCAPE;
                    hexDigits = 0;
                    codeUnit = 0;
                } else if (escapedHighPending) {
                    throw unpaired();
                } else {
                    state = PLAIN;
                }
            }
            default -> {
                int digit = Character.digit(c, 16);
                if (digit < 0) {
                    // Not an escape the parser accepts either; it reports it. The pending half is moot then.
                    state = PLAIN;
                    escapedHighPending = false;
                    return;
                }
                codeUnit = codeUnit * 16 + digit;
                if (++hexDigits == 4) {
                    state = PLAIN;
                    escaped((char) codeUnit);
                }
            }
        }
    }

    /** At the end of the text, a high surrogate waiting for its partner is unpaired. */
    void finish() throws InvalidUnicodeException {
        if (rawHighPending || escapedHighPending) {
            throw unpaired();
        }
    }

    private void escaped(char unit) throws InvalidUnicodeException {
        if (escapedHighPending) {
            if (!Character.isLowSurrogate(unit)) {
                throw unpaired();
            }
            escapedHighPending = false;
        } else if (Character.isHighSurrogate(unit)) {
            escapedHighPending = true;
        } else if (Character.isLowSurrogate(unit)) {
            throw unpaired();
        }
    }

    private static InvalidUnicodeException unpaired() {
        return new InvalidUnicodeException("Invalid Unicode in request body: a lone UTF-16 surrogate "
                + "(\\uD800-\\uDFFF without its pair) cannot be stored; send well-formed text");
    }
}
