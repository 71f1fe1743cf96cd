package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Request lines as they arrive on a real connection (Tomcat's own parsing included, which MockMvc skips): a
 * query string or path segment that cannot be percent-decoded is a 400 {@code {"error"}} on every route — it was
 * a 500 when Tomcat's parameter parser threw inside a controller (issue #15) — and the runs list's filters typed
 * with unencoded brackets, as in the docs and {@code curl -g}, are accepted (issue #23).
 */
@ServerIntegrationTest
class UndecodableRequestTest {

    /** Every public route, with placeholder ids: the check happens before any routing or lookup. */
    private static final List<String> ROUTES = List.of(
            "GET /api/v1/runs", "GET /api/v3/runs/run_x", "POST /api/v2/runs/run_x/cancel",
            "POST /api/v1/tasks/hello/trigger", "POST /api/v1/tasks/batch", "POST /api/v3/batches",
            "POST /api/v3/batches/batch_x/items", "PUT /api/v1/runs/run_x/metadata", "POST /api/v1/runs/run_x/tags",
            "POST /api/v1/deployments", "POST /api/v1/deployments/v1/promote", "PUT /api/v2/packets/p.json",
            "GET /api/v2/packets/p.json", "PUT /packets/v1/token", "GET /packets/v1/token",
            "GET /realtime/v1/runs/run_x", "GET /realtime/v1/runs", "GET /realtime/v1/batches/batch_x",
            "POST /engine/v1/worker-actions/dequeue", "GET /actuator/health", "GET /no/such/route",
            "POST /api/v1/runs/run_x/replay", "POST /api/v1/runs/run_x/reschedule", "GET /api/v1/runs/run_x/result",
            "GET /api/v1/runs/run_x/metadata", "POST /api/v1/idempotencyKeys/k/reset", "GET /api/v2/batches/batch_x",
            "GET /api/v1/batches/batch_x/results", "GET /api/v1/packets/p.json", "GET /api/v1/queues",
            "GET /api/v1/queues/q", "POST /api/v1/queues/q/pause", "POST /api/v1/queues/q/concurrency/override",
            "POST /api/v1/queues/q/concurrency/reset", "GET /api/v1/deployments", "GET /api/v1/deployments/current",
            "GET /api/v1/schedules", "POST /api/v1/schedules", "GET /api/v1/schedules/sched_x",
            "PUT /api/v1/schedules/sched_x", "DELETE /api/v1/schedules/sched_x",
            "POST /api/v1/schedules/sched_x/activate", "POST /api/v1/schedules/sched_x/deactivate",
            "POST /api/v1/auth/jwt/claims", "POST /api/v1/auth/public-tokens",
            "GET /engine/v1/worker-actions/runs/run_x/snapshots/since/snap_x",
            "POST /engine/v1/worker-actions/runs/run_x/snapshots/snap_x/attempts/start",
            "GET /admin/v1/environments", "POST /admin/v1/worker-groups");

    private static final List<String> BAD_QUERIES = List.of("page[after]=%%%%", "x=%", "x=%4", "x=%zz", "%=1",
            "x=%FF%FE", "x=%C0%80", "x=%ED%A0%80", "tags=a%00b", "x=a%0D%0Ab");

    @LocalServerPort
    int port;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JsonMapper json;

    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
    }

    @Test
    void theRunsListWithAMalformedPercentEscapeIsA400NotA500() throws Exception {
        Answer answer = send("GET /api/v1/runs?page[after]=%%%%");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).contains("percent-escape");
    }

    @Test
    void anUndecodableQueryStringIsA400JsonErrorOnEveryRoute() throws Exception {
        for (String route : ROUTES) {
            for (String query : BAD_QUERIES) {
                Answer answer = send(route + "?" + query);
                assertThat(answer.status()).as(route + "?" + query + " → " + answer.raw()).isEqualTo(400);
                assertThat(answer.error()).as(route + "?" + query).isNotBlank();
            }
        }
    }

    @Test
    void anUndecodablePathSegmentIsA4xxJsonErrorOnEveryRoute() throws Exception {
        for (String route : ROUTES) {
            for (String bad : List.of("%%%%", "%zz", "%", "%FF%FE", "%C0%AF", "%0D%0A", "%00")) {
                int slash = route.lastIndexOf('/');
                String request = route.substring(0, slash + 1) + bad + route.substring(slash + 1);
                Answer answer = send(request);
                assertThat(answer.status()).as(request + " → " + answer.raw()).isBetween(400, 499);
                assertThat(answer.error()).as(request).isNotBlank();
            }
        }
    }

    @Test
    void unencodedBracketsInTheRunsListQueryAreAccepted() throws Exception {
        Answer answer = send("GET /api/v1/runs?filter[status]=QUEUED&page[size]=5");

        assertThat(answer.status()).as(answer.raw()).isEqualTo(200);
        assertThat(json.readTree(answer.body()).has("data")).isTrue();
    }

    @Test
    void aBodyWithAnUnknownOrForeignCharsetIsA415OverARealConnection() throws Exception {
        for (String type : List.of("application/json; charset=\"bogus\"", "application/json; charset=", "*/*",
                "application/json; charset=utf-16")) {
            String request = "POST /api/v1/tasks/hello/trigger HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + env.secretKey() + "\r\nContent-Type: " + type + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
            Answer answer = exchange(request);
            assertThat(answer.status()).as(type + " → " + answer.raw()).isEqualTo(415);
            assertThat(answer.error()).as(type).isNotBlank();
        }
    }

    private Answer send(String methodAndTarget) throws Exception {
        String method = methodAndTarget.substring(0, methodAndTarget.indexOf(' '));
        boolean body = method.equals("POST") || method.equals("PUT");
        String request = methodAndTarget + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + env.secretKey()
                + "\r\n" + (body ? "Content-Type: application/json\r\nContent-Length: 2\r\n" : "")
                + "Connection: close\r\n\r\n" + (body ? "{}" : "");
        return exchange(request);
    }

    private Answer exchange(String request) throws Exception {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new Answer(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private record Answer(String raw) {
        int status() {
            return Integer.parseInt(raw.substring(9, 12));
        }

        String body() {
            String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
            // A chunked answer: keep the JSON between the first chunk size line and the terminating chunk.
            int start = body.indexOf('{');
            int end = body.lastIndexOf('}');
            return start >= 0 && end > start ? body.substring(start, end + 1) : body;
        }

        String error() {
            JsonNode node = new tools.jackson.databind.ObjectMapper().readTree(body());
            return node.path("error").isString() ? node.get("error").stringValue() : "";
        }
    }
}
