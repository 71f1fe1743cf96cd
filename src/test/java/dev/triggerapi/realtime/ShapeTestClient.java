package dev.triggerapi.realtime;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A shape-stream client for tests, following the protocol the way {@code @electric-sql/client} does: a snapshot
 * with {@code offset=-1}, then {@code live=true} polls with the handle and offset of the last answer.
 */
final class ShapeTestClient {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One answer. */
    record Answer(int status, Map<String, String> headers, JsonNode body) {

        String handle() {
            return headers.get("electric-handle");
        }

        String offset() {
            return headers.get("electric-offset");
        }

        /** The change messages (without the control messages). */
        List<JsonNode> changes() {
            List<JsonNode> out = new ArrayList<>();
            if (body != null && body.isArray()) {
                body.forEach(m -> {
                    if (m.has("key")) {
                        out.add(m);
                    }
                });
            }
            return out;
        }

        boolean endsUpToDate() {
            return body != null && body.isArray() && !body.isEmpty()
                    && "up-to-date".equals(body.get(body.size() - 1).path("headers").path("control").asString(""));
        }

        /** The metadata of the only changed run, parsed. */
        JsonNode metadata() {
            List<JsonNode> changes = changes();
            if (changes.size() != 1) {
                throw new AssertionError("expected one change, got " + body);
            }
            return JSON.readTree(changes.get(0).get("value").get("metadata").asString());
        }
    }

    private final int port;
    private final String path;
    private final String token;
    String handle;
    String offset = "-1";

    ShapeTestClient(int port, String path, String token) {
        this.port = port;
        this.path = path;
        this.token = token;
    }

    /** The same subscription (handle and offset) against another instance. */
    ShapeTestClient on(int otherPort) {
        ShapeTestClient other = new ShapeTestClient(otherPort, path, token);
        other.handle = handle;
        other.offset = offset;
        return other;
    }

    /** The initial snapshot; the client state moves to its handle and offset. */
    Answer snapshot() {
        return follow(await(send(Map.of("offset", "-1"))));
    }

    /** A held live poll from the current position; {@link #follow} the answer to move on. */
    CompletableFuture<Answer> live() {
        return send(Map.of("offset", offset, "handle", handle, "live", "true"));
    }

    /** A live poll from an explicit offset (as a client whose last answer was lost would send). */
    CompletableFuture<Answer> liveFrom(String fromOffset) {
        return send(Map.of("offset", fromOffset, "handle", handle, "live", "true"));
    }

    /**
     * The first answer that carries changes (or is not a 200). An answer with only {@code up-to-date} means the
     * live timeout came first (a busy machine): it moves nothing, and the client simply polls again, as the SDK
     * does. The change answer is returned without {@link #follow following} it.
     */
    Answer awaitChange(CompletableFuture<Answer> poll) {
        for (int attempt = 0; attempt < 20; attempt++) {
            Answer answer = await(poll);
            if (answer.status() != 200 || !answer.changes().isEmpty()) {
                return answer;
            }
            follow(answer);
            poll = live();
        }
        throw new AssertionError("no change in 20 live polls");
    }

    /** Moves the client to the answer's handle and offset (as the SDK does on a 2xx answer). */
    Answer follow(Answer answer) {
        if (answer.status() == 200) {
            handle = answer.handle();
            offset = answer.offset();
        }
        return answer;
    }

    /**
     * Sends a live poll on a raw socket and closes the connection before any answer: a client that went away
     * (network drop) while its poll was held.
     */
    void dropLivePoll() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            String request = "GET " + url(Map.of("offset", offset, "handle", handle, "live", "true")).getRawPath() + "?"
                    + url(Map.of("offset", offset, "handle", handle, "live", "true")).getRawQuery() + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token + "\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    CompletableFuture<Answer> send(Map<String, String> params) {
        HttpRequest request = HttpRequest.newBuilder(url(params)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60)).GET().build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            Map<String, String> headers = new LinkedHashMap<>();
            response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            String body = response.body();
            return new Answer(response.statusCode(), headers, body == null || body.isEmpty() ? null : JSON.readTree(body));
        });
    }

    private URI url(Map<String, String> params) {
        String query = params.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        String separator = path.contains("?") ? "&" : "?";
        return URI.create("http://127.0.0.1:" + port + path + separator + query);
    }

    static Answer await(CompletableFuture<Answer> answer) {
        try {
            return answer.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }
}
