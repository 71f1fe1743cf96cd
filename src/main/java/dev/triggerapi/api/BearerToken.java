package dev.triggerapi.api;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;

/** Reads the credential of an {@code Authorization: Bearer <token>} header, for every authentication filter. */
public final class BearerToken {

    private BearerToken() {
    }

    /** The token, or {@code null} when the header is missing, not a bearer header, or empty. */
    public static String from(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }
}
