package dev.triggerapi.api;

import java.io.IOException;
import java.io.PushbackInputStream;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a JSON request body and writes a JSON response body straight through the application's {@link JsonMapper},
 * for the trigger endpoint, the service's hot path. For a JSON client it is {@code @RequestBody} and a
 * {@code ResponseEntity} body, and it refuses what they refuse with the same exceptions, so
 * {@code ApiExceptionHandler} gives the same answers: 415 for a body that is not JSON, 400 "Request body is required"
 * for an empty one or a JSON {@code null}, 400 for malformed JSON or a wrong type, 406 when the client accepts no
 * JSON. What it leaves out is Spring MVC's per-request machinery around them: picking a message converter, body
 * advice, content negotiation over every converter and a flushed, chunked response. JFR put that machinery at about a
 * sixth of a trigger's request-thread CPU (BENCHMARKS.md, issue 22). The response carries its length, so Tomcat
 * writes it in one piece.
 *
 * <p>One difference, deliberate: the {@code Accept} check runs before the endpoint does its work
 * ({@link #requireJsonAccepted}), so a client that would get a 406 no longer creates a run first.
 */
@Component
public class DirectJsonBody {

    private static final List<MediaType> READABLE =
            List.of(MediaType.APPLICATION_JSON, new MediaType("application", "*+json"));

    private final JsonMapper json;
    private final ConcurrentMap<Class<?>, ObjectReader> readers = new ConcurrentHashMap<>();
    private final ConcurrentMap<Class<?>, ObjectWriter> writers = new ConcurrentHashMap<>();

    public DirectJsonBody(JsonMapper json) {
        this.json = json;
    }

    /**
     * The body as {@code type}. A missing {@code Content-Type} is read as {@code application/octet-stream}, as Spring
     * MVC does: a 415 unless the body is empty.
     */
    public <T> T read(HttpServletRequest request, Class<T> type) throws IOException, HttpMediaTypeNotSupportedException {
        String contentType = request.getContentType();
        boolean json = contentType != null && isJson(contentType);
        if (contentType != null && !json) {
            throw unsupported(parsedOrOctetStream(contentType), request);
        }
        PushbackInputStream body = new PushbackInputStream(request.getInputStream(), 1);
        int first = body.read();
        if (first == -1) {
            throw missingBody(request);
        }
        if (!json) {
            throw unsupported(MediaType.APPLICATION_OCTET_STREAM, request);
        }
        body.unread(first);
        T value;
        try {
            value = readers.computeIfAbsent(type, this.json::readerFor).readValue(body);
        } catch (JacksonException e) {
            throw new HttpMessageNotReadableException("JSON parse error: " + e.getOriginalMessage(), e,
                    new ServletServerHttpRequest(request));
        }
        if (value == null) {
            throw missingBody(request); // a JSON null, which @RequestBody also treats as a missing body
        }
        return value;
    }

    /** A 406, before any work is done, unless the client accepts JSON (no {@code Accept} header accepts anything). */
    public void requireJsonAccepted(HttpServletRequest request) throws HttpMediaTypeNotAcceptableException {
        String accept = request.getHeader(HttpHeaders.ACCEPT);
        if (accept == null || accept.isBlank() || accept.equals(MediaType.APPLICATION_JSON_VALUE)
                || accept.equals(MediaType.ALL_VALUE)) {
            return;
        }
        List<MediaType> acceptable;
        try {
            acceptable = MediaType.parseMediaTypes(accept);
        } catch (InvalidMediaTypeException e) {
            throw new HttpMediaTypeNotAcceptableException(
                    "Could not parse 'Accept' header [" + accept + "]: " + e.getMessage());
        }
        for (MediaType type : acceptable) {
            if (READABLE.stream().anyMatch(type::isCompatibleWith)) {
                return;
            }
        }
        throw new HttpMediaTypeNotAcceptableException(READABLE);
    }

    /** Writes {@code body} as the whole response: {@code application/json} with its length. */
    public void write(HttpServletResponse response, Object body) throws IOException {
        byte[] bytes = writers.computeIfAbsent(body.getClass(), json::writerFor).writeValueAsBytes(body);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** The 415 {@code @RequestBody} throws for a body no JSON reader takes. */
    private static HttpMediaTypeNotSupportedException unsupported(MediaType contentType, HttpServletRequest request) {
        return new HttpMediaTypeNotSupportedException(contentType, READABLE, HttpMethod.valueOf(request.getMethod()));
    }

    /** The exception {@code @RequestBody} throws; {@code ApiExceptionHandler} answers "Request body is required". */
    private static HttpMessageNotReadableException missingBody(HttpServletRequest request) {
        return new HttpMessageNotReadableException("Required request body is missing", new ServletServerHttpRequest(request));
    }

    private static boolean isJson(String contentType) {
        if (contentType.startsWith(MediaType.APPLICATION_JSON_VALUE)
                && (contentType.length() == MediaType.APPLICATION_JSON_VALUE.length()
                || contentType.charAt(MediaType.APPLICATION_JSON_VALUE.length()) == ';')) {
            return true;
        }
        MediaType type = parsedOrOctetStream(contentType);
        return READABLE.stream().anyMatch(readable -> readable.includes(type));
    }

    private static MediaType parsedOrOctetStream(String contentType) {
        try {
            return MediaType.parseMediaType(contentType);
        } catch (InvalidMediaTypeException e) {
            return MediaType.APPLICATION_OCTET_STREAM;
        }
    }
}
