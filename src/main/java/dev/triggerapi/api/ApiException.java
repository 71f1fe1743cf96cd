package dev.triggerapi.api;

import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * A client-visible failure with its HTTP status and message. Features throw it (or a subclass) and the
 * {@link ApiExceptionHandler} renders it as {@link ApiError}.
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final transient Map<String, String> headers;

    public ApiException(HttpStatus status, String message) {
        this(status, message, Map.of());
    }

    public ApiException(HttpStatus status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = headers;
    }

    public HttpStatus status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(HttpStatus.NOT_FOUND, message);
    }

    public static ApiException unprocessable(String message) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, message);
    }

    /** A conflict that retrying cannot fix: tells the SDK not to retry (it retries 409 by default). */
    public static ApiException conflict(String message) {
        return new ApiException(HttpStatus.CONFLICT, message, Map.of("x-should-retry", "false"));
    }
}
