package dev.triggerapi.api;

import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolationException;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Renders every failure as {@code {"error": "..."}} with the right status: 4xx for client mistakes with a
 * readable message, 503 + {@code Retry-After} when the writer cannot be reached, and a bare 500 (details
 * only in the log) for genuine faults. Nothing internal (stack traces, SQL, class names) reaches a client.
 */
@RestControllerAdvice
class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ApiError> api(ApiException e) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_JSON);
        e.headers().forEach(builder::header);
        return builder.body(new ApiError(e.getMessage()));
    }

    @ExceptionHandler(PayloadTooLargeException.class)
    ResponseEntity<ApiError> tooLarge(PayloadTooLargeException e) {
        return error(HttpStatus.CONTENT_TOO_LARGE, e.getMessage());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ApiError> unreadable(HttpMessageNotReadableException e) {
        Throwable cause = e.getCause();
        while (cause != null) {
            if (cause instanceof PayloadTooLargeException tooLarge) {
                return tooLarge(tooLarge);
            }
            cause = cause.getCause();
        }
        return error(HttpStatus.BAD_REQUEST, JsonErrorMessages.describe(e));
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ResponseEntity<ApiError> invalid(MethodArgumentNotValidException e) {
        String message = e.getBindingResult().getFieldErrors().stream()
                .map(f -> f.getField() + ": " + f.getDefaultMessage())
                .sorted().collect(Collectors.joining("; "));
        return error(HttpStatus.BAD_REQUEST, message.isEmpty() ? "Invalid request body" : message);
    }

    @ExceptionHandler(HandlerMethodValidationException.class)
    ResponseEntity<ApiError> invalidParameters(HandlerMethodValidationException e) {
        String message = e.getAllErrors().stream().map(r -> r.getDefaultMessage()).sorted()
                .collect(Collectors.joining("; "));
        return error(HttpStatus.BAD_REQUEST, message.isEmpty() ? "Invalid request parameters" : message);
    }

    @ExceptionHandler(ConstraintViolationException.class)
    ResponseEntity<ApiError> constraint(ConstraintViolationException e) {
        String message = e.getConstraintViolations().stream()
                .map(v -> v.getPropertyPath() + ": " + v.getMessage()).sorted().collect(Collectors.joining("; "));
        return error(HttpStatus.BAD_REQUEST, message);
    }

    @ExceptionHandler({MissingServletRequestParameterException.class, MissingRequestHeaderException.class})
    ResponseEntity<ApiError> missing(Exception e) {
        return error(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ApiError> mismatch(MethodArgumentTypeMismatchException e) {
        return error(HttpStatus.BAD_REQUEST, "Invalid value for '" + e.getName() + "'");
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ApiError> noRoute(NoResourceFoundException e) {
        return error(HttpStatus.NOT_FOUND, "Not found");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ApiError> method(HttpRequestMethodNotSupportedException e) {
        return error(HttpStatus.METHOD_NOT_ALLOWED, "Method " + e.getMethod() + " is not allowed here");
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ApiError> mediaType(HttpMediaTypeNotSupportedException e) {
        return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported content type; send application/json");
    }

    /** A Content-Type that does not parse or is a wildcard; {@link RequestEncodingFilter} normally answers first. */
    @ExceptionHandler(InvalidMediaTypeException.class)
    ResponseEntity<ApiError> invalidMediaType(InvalidMediaTypeException e) {
        return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unusable content type; send application/json");
    }

    /**
     * Tomcat's parameter parser gave up on the query string (a malformed percent-escape, say). The request filter
     * refuses such queries before any controller runs; this keeps the answer a 400 should one slip through.
     */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<ApiError> undecodableParameters(InvalidParameterException e) {
        return error(HttpStatus.BAD_REQUEST, "The query string cannot be decoded");
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<ApiError> notAcceptable(HttpMediaTypeNotAcceptableException e) {
        return error(HttpStatus.NOT_ACCEPTABLE, "Not acceptable");
    }

    /** The writer (or a pool) cannot be reached: a transient condition the client should retry. */
    @ExceptionHandler({CannotGetJdbcConnectionException.class, CannotCreateTransactionException.class,
            DataAccessResourceFailureException.class, TransientDataAccessResourceException.class,
            QueryTimeoutException.class})
    ResponseEntity<ApiError> unavailable(Exception e) {
        log.warn("Database unavailable: {}", e.getMessage());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .contentType(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.RETRY_AFTER, "1")
                .body(new ApiError("Service temporarily unavailable, retry shortly"));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ApiError> unexpected(Exception e) {
        var dataError = RequestDataErrors.describe(e);
        if (dataError.isPresent()) {
            log.warn("Request refused by the database as invalid data: {}", e.getMessage());
            return error(HttpStatus.BAD_REQUEST, dataError.get());
        }
        log.error("Unhandled error", e);
        return error(HttpStatus.INTERNAL_SERVER_ERROR, "Internal server error");
    }

    /**
     * The content type is set explicitly so the error is written as JSON whatever the client's {@code Accept}
     * says (otherwise content negotiation would drop the body of an error for {@code Accept: text/plain}).
     */
    static ResponseEntity<ApiError> error(HttpStatus status, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(new ApiError(message));
    }
}
