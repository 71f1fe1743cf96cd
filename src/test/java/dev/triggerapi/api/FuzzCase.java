package dev.triggerapi.api;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One generated hostile request.
 *
 * @param name        what the case does (shown as the test name, with the seed)
 * @param method      HTTP method
 * @param uri         the raw, already encoded request URI (path and query)
 * @param headers     request headers (Authorization included when the case wants it)
 * @param body        request body bytes, or {@code null} for none
 * @param mustReject  true when the request is invalid by construction and must be answered 4xx; false when
 *                    it may be accepted (the invariants "never 5xx, rejected ⇒ nothing persisted" still hold)
 */
record FuzzCase(String name, String method, String uri, Map<String, String> headers, byte[] body, boolean mustReject) {

    static Builder request(String name, String method, String uri) {
        return new Builder(name, method, uri);
    }

    String describe() {
        String shownBody = body == null ? "<none>" : body.length > 300
                ? new String(body, 0, 300, StandardCharsets.UTF_8) + "... (" + body.length + " bytes)"
                : new String(body, StandardCharsets.UTF_8);
        String shownUri = uri.length() > 300 ? uri.substring(0, 300) + "... (" + uri.length() + " chars)" : uri;
        return method + " " + shownUri + " headers=" + headers.keySet() + " body=" + shownBody;
    }

    /** Builds a case; JSON content type unless told otherwise. */
    static final class Builder {
        private final String name;
        private final String method;
        private final String uri;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private byte[] body;
        private boolean mustReject = true;

        private Builder(String name, String method, String uri) {
            this.name = name;
            this.method = method;
            this.uri = uri;
        }

        Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Builder json(String body) {
            return bytes(body.getBytes(StandardCharsets.UTF_8));
        }

        Builder bytes(byte[] body) {
            this.body = body;
            headers.putIfAbsent("Content-Type", "application/json");
            return this;
        }

        Builder mayAccept() {
            this.mustReject = false;
            return this;
        }

        FuzzCase build() {
            return new FuzzCase(name, method, uri, Map.copyOf(headers), body, mustReject);
        }
    }
}
