package dev.triggerapi.api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses oversized request bodies with 413 before they are read: a declared {@code Content-Length} over the
 * limit is answered at once (before authentication, so it costs no database work); a body without a length
 * (chunked) is counted while it streams and fails with {@link PayloadTooLargeException} the moment it passes
 * the limit, so the service never buffers more than the limit. Trigger endpoints carry payloads and get the
 * larger limit.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class RequestSizeFilter extends OncePerRequestFilter {

    /** Trigger ({@code /api/v1/tasks/{id}/trigger}) and batch trigger ({@code /api/v1/tasks/batch}). */
    static final String TRIGGER_PATH_PREFIX = "/api/v1/tasks/";
    /** The SDK's two-phase batches: creation and the NDJSON item stream carry payloads too. */
    static final String BATCH_V3_PATH_PREFIX = "/api/v3/batches";
    /** Presigned packet uploads enforce the (larger) packet limit themselves while streaming. */
    static final String PACKET_UPLOAD_PREFIX = "/packets/";

    private final RequestSizeProperties limits;
    private final JsonErrorWriter errors;

    RequestSizeFilter(RequestSizeProperties limits, JsonErrorWriter errors) {
        this.limits = limits;
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (path.startsWith(PACKET_UPLOAD_PREFIX)) {
            chain.doFilter(request, response);
            return;
        }
        boolean carriesPayloads = path.startsWith(TRIGGER_PATH_PREFIX) || path.startsWith(BATCH_V3_PATH_PREFIX);
        long limit = (carriesPayloads ? limits.triggerMaxBody() : limits.defaultMaxBody()).toBytes();
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            errors.write(response, HttpStatus.CONTENT_TOO_LARGE, new PayloadTooLargeException(limit).getMessage());
            return;
        }
        chain.doFilter(declared >= 0 ? request : new LimitedRequest(request, limit), response);
    }

    /** A request whose body stream fails once more than {@code limit} bytes have been read. */
    static final class LimitedRequest extends HttpServletRequestWrapper {

        private final long limit;
        private ServletInputStream stream;

        LimitedRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedInputStream(super.getInputStream(), limit);
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }

    private static final class LimitedInputStream extends ServletInputStream {

        private final ServletInputStream delegate;
        private final long limit;
        private long count;

        LimitedInputStream(ServletInputStream delegate, long limit) {
            this.delegate = delegate;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = delegate.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = delegate.read(buffer, offset, length);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        private void counted(int n) {
            count += n;
            if (count > limit) {
                throw new PayloadTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return delegate.isFinished();
        }

        @Override
        public boolean isReady() {
            return delegate.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            delegate.setReadListener(listener);
        }
    }
}
