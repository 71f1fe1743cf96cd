package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The documented input limits, over a real HTTP connection (Tomcat included): each answers its 4xx with a
 * {@code {"error"}} body that says which limit, and nothing is stored. Oversized headers and raw invalid bytes
 * on the wire are what MockMvc cannot express, so they are here too.
 */
@ServerIntegrationTest
class RequestLimitsTest {

    @LocalServerPort
    int port;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    JsonMapper json;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
    }

    @Test
    void triggerBodyOverThreeMebibytesIsA413BeforeAnythingIsRead() throws Exception {
        String payload = "x".repeat(3 * 1024 * 1024);
        HttpResponse<String> response = post("/api/v1/tasks/t/trigger", "{\"payload\":\"" + payload + "\"}");

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(error(response)).isEqualTo("Request body exceeds the limit of 3145728 bytes");
        assertThat(runs()).isZero();
    }

    @Test
    void deeplyNestedJsonIsA400NotAStackOverflowOr500() throws Exception {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        HttpResponse<String> response = post("/api/v1/tasks/t/trigger", "{\"payload\":" + deep + "}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(error(response)).isEqualTo("Invalid JSON in request body");
        assertThat(runs()).isZero();
    }

    @Test
    void duplicateKeysAreRefused() throws Exception {
        HttpResponse<String> response = post("/api/v1/tasks/t/trigger", "{\"payload\":1,\"payload\":2}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(runs()).isZero();
    }

    @Test
    void numbersLongerThanAThousandDigitsAreRefused() throws Exception {
        HttpResponse<String> response = post("/api/v1/tasks/t/trigger", "{\"payload\":" + "7".repeat(1001) + "}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(runs()).isZero();
    }

    @Test
    void idempotencyKeysAreAtMost2048Characters() throws Exception {
        assertThat(post("/api/v1/tasks/t/trigger", "{\"payload\":1,\"options\":{\"idempotencyKey\":\"" + "k".repeat(2048) + "\"}}")
                .statusCode()).isEqualTo(200);
        HttpResponse<String> tooLong = post("/api/v1/tasks/t/trigger",
                "{\"payload\":1,\"options\":{\"idempotencyKey\":\"" + "k".repeat(2049) + "\"}}");

        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(error(tooLong)).isEqualTo("options.idempotencyKey: must be at most 2048 characters");
        assertThat(runs()).isEqualTo(1);
    }

    @Test
    void durationsBeyondAHundredYearsAreUnprocessable() throws Exception {
        HttpResponse<String> response = post("/api/v1/tasks/t/trigger", "{\"payload\":1,\"options\":{\"delay\":\"999999999w\"}}");

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(error(response)).contains("at most 100 years");
        assertThat(runs()).isZero();
    }

    @Test
    void nulCharactersInStoredTextAreA400() throws Exception {
        HttpResponse<String> response = post("/api/v1/tasks/t/trigger", "{\"payload\":\"a\\u0000b\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(error(response)).isEqualTo("payload: must not contain NUL (\\u0000) characters");
        assertThat(runs()).isZero();
    }

    @Test
    void batchOfMoreThanFiveHundredItemsIsA400() throws Exception {
        String items = String.join(",", Collections.nCopies(100_000, "{\"task\":\"t\"}"));
        HttpResponse<String> response = post("/api/v1/tasks/batch", "{\"items\":[" + items + "]}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(error(response)).isEqualTo("items: size must be between 1 and 500");
        assertThat(runs()).isZero();
    }

    @Test
    void runsListPagesAreAtMostOneHundredRuns() throws Exception {
        assertThat(get("/api/v1/runs?page[size]=100").statusCode()).isEqualTo(200);
        HttpResponse<String> tooBig = get("/api/v1/runs?page[size]=101");

        assertThat(tooBig.statusCode()).isEqualTo(400);
        assertThat(error(tooBig)).isEqualTo("page[size] must be a whole number from 1 to 100, not '101'");
    }

    @Test
    void metadataOver256KibibytesIsA413AndLeavesTheRunAsItWas() throws Exception {
        String runId = json.readTree(post("/api/v1/tasks/t/trigger", "{\"payload\":1}").body()).get("id").stringValue();
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/runs/" + runId + "/metadata"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"big\":\"" + "m".repeat(300_000) + "\"}}")));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(error(response)).startsWith("Metadata exceeds the limit of 262144 bytes");
        assertThat(jdbc.sql("SELECT metadata FROM task_runs WHERE friendly_id = ?").param(runId).query(String.class)
                .optional()).isEmpty();
    }

    @Test
    void invalidUtf8InABatchItemStreamIsA400() throws Exception {
        String batchId = json.readTree(post("/api/v3/batches", "{\"runCount\":1}").body()).get("id").stringValue();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        line.writeBytes("{\"index\":0,\"task\":\"t\",\"payload\":\"".getBytes(StandardCharsets.UTF_8));
        line.writeBytes(new byte[]{(byte) 0xC3, 0x28});
        line.writeBytes("\"}\n".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v3/batches/" + batchId + "/items"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(line.toByteArray())));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(error(response)).isEqualTo("Line 1: invalid UTF-8");
        assertThat(runs()).isZero();
    }

    /**
     * Tomcat refuses a request head over {@code server.max-http-request-header-size} (16 KB) before Spring; the host's
     * error valve still answers in the API's JSON shape.
     */
    @Test
    void headersOverSixteenKilobytesAreRefusedByTomcatWithAJson400() throws Exception {
        String response = raw("POST /api/v1/tasks/t/trigger HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + env.secretKey() + "\r\nX-Padding: " + "p".repeat(20_000) + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");

        assertThat(response).startsWith("HTTP/1.1 400");
        assertThat(response).containsIgnoringCase("content-type: application/json")
                .contains("{\"error\":\"Bad Request\"}").doesNotContain("<html");
        assertThat(runs()).isZero();
    }

    @Test
    void invalidUtf8BytesInTheRequestLineAreA4xx() throws Exception {
        String response = raw("GET /api/v3/runs/run_%FF%FE HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + env.secretKey() + "\r\nConnection: close\r\n\r\n");

        assertThat(response).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
        assertThat(response).doesNotContain("Exception").doesNotContain("at org.");
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.header("Authorization", "Bearer " + env.secretKey()).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path.replace("[", "%5B").replace("]", "%5D"));
    }

    private String error(HttpResponse<String> response) {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonNode body = json.readTree(response.body());
        return body.get("error").stringValue();
    }

    private String raw(String request) throws Exception {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private int runs() {
        return jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(Integer.class).single();
    }
}
