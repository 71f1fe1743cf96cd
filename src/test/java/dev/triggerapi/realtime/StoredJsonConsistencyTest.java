package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import dev.triggerapi.support.TestRuns;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.StringNode;

/**
 * One stored run looks the same through run retrieve ({@code GET /api/v3/runs/{id}}), the SSE feed (its rendered
 * {@code metadata}/{@code output}) and the shape stream the SDK reads (raw columns the SDK renders itself with
 * {@code parsePacket}, mirrored here by {@link #asTheSdkParsesIt}).
 */
@ServerIntegrationTest
class StoredJsonConsistencyTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    RunCreator creator;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    EnvironmentProvisioning provisioning;

    private ProvisionedEnvironment env;

    /** A stored packet: its text and content type exactly as a client sent them. */
    private record Packet(String text, String type) {
    }

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
    }

    @Test
    void theSameStoredRunShowsTheSameMetadataPayloadAndOutputInRetrieveAndTheRealtimeFeeds() {
        List<Packet> packets = List.of(
                new Packet("{\"json\":{\"n\":1,\"d\":\"2025-01-01T00:00:00.000Z\"},\"meta\":{\"values\":{\"d\":[\"Date\"]}}}",
                        "application/super+json"),
                new Packet("{\"a\":[1,2]}", "application/json"),
                new Packet("hello there", "text/plain"),
                // The cases where retrieve and the feed used to differ: a JSON document that is a string, content
                // types the SDK does not parse, and SuperJSON stored as a JSON string.
                new Packet("\"123\"", "application/json"),
                new Packet("\"{\\\"a\\\":1}\"", "application/json"),
                new Packet("{\"a\":1}", "application/json; charset=utf-8"),
                new Packet("{\"a\":1}", "application/vnd.example+json"),
                new Packet("\"{\\\"json\\\":{\\\"n\\\":2}}\"", "application/super+json"),
                new Packet("{not json", "application/json"));
        List<Packet> metadata = List.of(
                new Packet("{\"step\":\"one\",\"nested\":{\"a\":1}}", "application/json"),
                new Packet("{\"json\":{\"step\":2}}", "application/super+json"));

        for (int i = 0; i < packets.size(); i++) {
            Packet packet = packets.get(i);
            Packet meta = metadata.get(i % metadata.size());
            CreatedRun run = creator.create(TestRuns.run(env.environment().id(), "rendered")
                    .payload(packet.text(), packet.type()).metadata(meta.text(), meta.type()).build());
            jdbc.sql("UPDATE task_runs SET output = ?, output_type = ? WHERE id = ?")
                    .params(packet.text(), packet.type(), run.id()).update();
            ReplicaLag.awaitCaughtUp(jdbc, transactions);

            JsonNode retrieved = retrieve(run.friendlyId());
            String what = packet + " / " + meta;
            JsonNode expected = asTheSdkParsesIt(packet);
            assertThat(retrieved.get("payload")).as("retrieve payload of %s", what).isEqualTo(expected);
            assertThat(retrieved.get("output")).as("retrieve output of %s", what).isEqualTo(expected);
            assertThat(retrieved.get("metadata")).as("retrieve metadata of %s", what).isEqualTo(asTheSdkParsesIt(meta));

            try (SseTestClient sse = SseTestClient.open(port, "/realtime/v1/runs/" + run.friendlyId(), env.secretKey(),
                    null)) {
                JsonNode event = sse.next().data();
                assertThat(event.get("output")).as("SSE output of %s", what).isEqualTo(retrieved.get("output"));
                assertThat(event.get("metadata")).as("SSE metadata of %s", what).isEqualTo(retrieved.get("metadata"));
            }

            ShapeTestClient.Answer snapshot = new ShapeTestClient(port, "/realtime/v1/runs/" + run.friendlyId(),
                    env.secretKey()).snapshot();
            assertThat(snapshot.changes()).hasSize(1);
            JsonNode row = snapshot.changes().get(0).get("value");
            assertThat(asTheSdkParsesIt(new Packet(row.get("payload").asString(), row.get("payloadType").asString())))
                    .as("shape payload of %s", what).isEqualTo(retrieved.get("payload"));
            assertThat(asTheSdkParsesIt(new Packet(row.get("output").asString(), row.get("outputType").asString())))
                    .as("shape output of %s", what).isEqualTo(retrieved.get("output"));
            assertThat(asTheSdkParsesIt(new Packet(row.get("metadata").asString(), row.get("metadataType").asString())))
                    .as("shape metadata of %s", what).isEqualTo(retrieved.get("metadata"));
        }
    }

    /**
     * The official SDK's {@code parsePacket} (4.8.3), written out independently of the server's renderer:
     * {@code application/json} is {@code JSON.parse}d, SuperJSON gives its {@code json} member, any other type
     * (compared exactly) is the string itself. Where {@code JSON.parse} would throw, the server shows the text.
     */
    private static JsonNode asTheSdkParsesIt(Packet packet) {
        switch (packet.type()) {
            case "application/json", "application/super+json" -> {
                JsonNode parsed;
                try {
                    parsed = JSON.readTree(packet.text());
                } catch (JacksonException e) {
                    return StringNode.valueOf(packet.text());
                }
                return packet.type().equals("application/super+json") && parsed.has("json") ? parsed.get("json") : parsed;
            }
            default -> {
                return StringNode.valueOf(packet.text());
            }
        }
    }

    private JsonNode retrieve(String runId) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v3/runs/" + runId))
                .header("Authorization", "Bearer " + env.secretKey()).GET().build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
