package dev.triggerapi.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import tools.jackson.core.io.IOContext;
import tools.jackson.core.io.InputDecorator;

/**
 * Wraps every input the application's JSON mapper reads so that text which is not well-formed Unicode fails the
 * parse ({@link InvalidUnicodeException}, a 400) instead of reaching the database, where the PostgreSQL driver
 * would store {@code ?} for it. Jackson itself accepts a lone {@code \}{@code uD800} escape, overlong UTF-8
 * ({@code C0 80} reads as U+0000) and sequences above U+10FFFF; this check is what makes them errors.
 *
 * <p>Bytes go through the JDK's strict UTF-8 decoder (RFC 8259: JSON exchanged between systems is UTF-8) and the
 * decoded characters through {@link StrictUnicodeScanner}; character input goes straight to the scanner. Both
 * work on the chunks the parser pulls, so nothing is buffered beyond them.
 */
final class StrictUnicodeInput extends InputDecorator {

    private static final long serialVersionUID = 1L;
    /** Bytes checked per read: small enough that parsing a short document allocates little. */
    private static final int CHUNK = 4096;

    @Override
    public InputStream decorate(IOContext context, InputStream in) {
        return new CheckedStream(in);
    }

    @Override
    public InputStream decorate(IOContext context, byte[] src, int offset, int length) {
        return new CheckedStream(new java.io.ByteArrayInputStream(src, offset, length));
    }

    @Override
    public Reader decorate(IOContext context, Reader reader) {
        return new CheckedReader(reader);
    }

    /** Passes bytes through unchanged while checking them. */
    private static final class CheckedStream extends InputStream {

        private final InputStream in;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        private final StrictUnicodeScanner scanner = new StrictUnicodeScanner();
        /** Bytes of a sequence split across reads wait here (at most 3) for the rest. */
        private final ByteBuffer pending = ByteBuffer.allocate(CHUNK + 4);
        private final CharBuffer decoded = CharBuffer.allocate(CHUNK + 4);
        private boolean finished;

        CheckedStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, Math.min(length, CHUNK));
            if (n < 0) {
                finish();
                return n;
            }
            check(buffer, offset, n, false);
            return n;
        }

        private void check(byte[] bytes, int offset, int length, boolean endOfInput) throws IOException {
            pending.put(bytes, offset, length).flip();
            while (true) {
                decoded.clear();
                CoderResult result = decoder.decode(pending, decoded, endOfInput);
                decoded.flip();
                scanner.scan(decoded.array(), 0, decoded.limit());
                if (result.isError()) {
                    throw new InvalidUnicodeException("Invalid Unicode in request body: the bytes are not "
                            + "well-formed UTF-8");
                }
                if (result.isUnderflow()) {
                    break;
                }
            }
            pending.compact();
        }

        private void finish() throws IOException {
            if (finished) {
                return;
            }
            finished = true;
            check(new byte[0], 0, 0, true);
            decoded.clear();
            if (decoder.flush(decoded).isError()) {
                throw new InvalidUnicodeException("Invalid Unicode in request body: the bytes are not well-formed UTF-8");
            }
            scanner.finish();
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Passes characters through unchanged while checking them. */
    private static final class CheckedReader extends Reader {

        private final Reader in;
        private final StrictUnicodeScanner scanner = new StrictUnicodeScanner();

        CheckedReader(Reader in) {
            this.in = in;
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n < 0) {
                scanner.finish();
                return n;
            }
            scanner.scan(buffer, offset, n);
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
