package dev.triggerapi.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses, before anything else reads the request, what the service could only read by guessing:
 * <ul>
 *   <li><b>400</b> for a path or query string that does not decode: a {@code %} not followed by two hex
 *       digits, escapes that are not strict UTF-8, or a control character (U+0000–U+001F, U+007F) once decoded.
 *       Tomcat's own parameter parser throws on such a query the first time a controller asks for a
 *       parameter, which used to surface as a 500; ids and filters never legitimately contain control
 *       characters (a CR/LF in a task id would reach queue names and logs).</li>
 *   <li><b>415</b> for a request that carries a body (POST, PUT, PATCH, or any declared body) with a
 *       {@code Content-Type} that names no concrete type ({@code *}{@code /*}, {@code application/*}), does not
 *       parse, or declares a charset other than UTF-8 (JSON is UTF-8, RFC 8259). A wildcard is refused rather
 *       than read as JSON so that a client sending the wrong body learns it at once; parameters other than
 *       {@code charset} ({@code application/json; foo=bar}) are ignored.</li>
 *   <li><b>415</b> for a {@code Content-Encoding} other than {@code identity}: bodies are never decompressed
 *       here, so a compressed body would otherwise be parsed (or stored) as if it were plain.</li>
 * </ul>
 * Presigned packet uploads ({@code /packets/}) store bytes verbatim and keep whatever content type they declare.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
class RequestEncodingFilter extends OncePerRequestFilter {

    private final JsonErrorWriter errors;

    RequestEncodingFilter(JsonErrorWriter errors) {
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<String> problem = undecodable("path", request.getRequestURI())
                .or(() -> undecodable("query string", request.getQueryString()));
        if (problem.isPresent()) {
            errors.write(response, HttpStatus.BAD_REQUEST, problem.get());
            return;
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (carriesBody(request) && !path.startsWith(RequestSizeFilter.PACKET_UPLOAD_PREFIX)) {
            problem = unreadableBody(request);
            if (problem.isPresent()) {
                errors.write(response, HttpStatus.UNSUPPORTED_MEDIA_TYPE, problem.get());
                return;
            }
        }
        chain.doFilter(request, response);
    }

    private static boolean carriesBody(HttpServletRequest request) {
        String method = request.getMethod();
        return "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method)
                || request.getContentLengthLong() > 0 || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    }

    private static Optional<String> unreadableBody(HttpServletRequest request) {
        String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        if (encoding != null && !encoding.isBlank() && !encoding.strip().equalsIgnoreCase("identity")) {
            return Optional.of("Content-Encoding '" + shown(encoding) + "' is not supported: send the body uncompressed");
        }
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType == null || contentType.isBlank()) {
            return Optional.empty();
        }
        MediaType type;
        try {
            type = MediaType.parseMediaType(contentType);
        } catch (InvalidMediaTypeException e) {
            return Optional.of("Content-Type '" + shown(contentType) + "' is malformed; send application/json");
        }
        if (type.isWildcardType() || type.isWildcardSubtype()) {
            return Optional.of("Content-Type '" + shown(contentType)
                    + "' names no concrete type; send application/json");
        }
        String charset = type.getParameter("charset");
        if (charset != null) {
            String name = charset.replace("\"", "").strip().toLowerCase(Locale.ROOT);
            if (!name.equals("utf-8") && !name.equals("utf8")) {
                return Optional.of("Content-Type charset '" + shown(charset) + "' is not supported: bodies are UTF-8");
            }
        }
        return Optional.empty();
    }

    /**
     * Why {@code raw} (a path or query string as it arrived, still percent-encoded) cannot be decoded faithfully,
     * or empty when it can.
     */
    static Optional<String> undecodable(String what, String raw) {
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int high = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int low = high >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (low < 0) {
                    return Optional.of("The " + what + " has a malformed percent-escape: '%' must be followed by "
                            + "two hex digits (encode a literal '%' as %25)");
                }
                bytes.write(high * 16 + low);
                i += 2;
            } else if (c > 0xFF) {
                return Optional.of("The " + what + " contains characters that are not percent-encoded UTF-8");
            } else {
                // The container hands over undecoded bytes one per char (ISO-8859-1); they must form UTF-8 too.
                bytes.write(c);
            }
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return Optional.of("The " + what + " is not valid percent-encoded UTF-8");
        }
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return Optional.of("The " + what + " contains a control character (such as NUL, CR or LF)");
            }
        }
        return Optional.empty();
    }

    private static String shown(String value) {
        String printable = value.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 64 ? printable.substring(0, 64) + "..." : printable;
    }
}
