package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * With the replica 2 s behind (beyond the gate's 1 s cap), a subscriber may first see an older version, but within
 * the stale-read retries and the re-read window the stream carries exactly what the writer has.
 */
@ServerIntegrationTest
class SlowReplicaFeedTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Gate cap (1 s) + three re-reads + the 10 s re-read window, with slack for a busy machine. */
    private static final Duration BUDGET = Duration.ofSeconds(20);

    @LocalServerPort
    int port;
    @Autowired
    RunCreator creator;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    ApplicationEventPublisher events;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JsonMapper json;

    @Test
    void theStreamCarriesTheWritersStateWithinTheRetryBudgetWhileTheReplicaIsTwoSecondsBehind() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        TestRuns runs = new TestRuns(creator, jdbc, transactions, events);
        CreatedRun run = runs.create(env, List.of("slow"), null, "{\"step\":0}");
        try (SseTestClient stream = SseTestClient.open(port, "/realtime/v1/runs/" + run.friendlyId(), env.secretKey(), null)) {
            assertThat(stream.next().metadata().get("step").asInt()).isZero();
            Cluster.replicaDelay(Duration.ofSeconds(2));

            assertThat(putMetadata(env, run, "{\"metadata\":{\"step\":1}}")).isEqualTo(200);
            Instant writerVersion = runs.setStatus(run, env.environment().id(), "EXECUTING");

            SseTestClient.Event latest = null;
            long deadline = System.nanoTime() + BUDGET.toNanos();
            while (System.nanoTime() < deadline && (latest == null || !isWriterState(latest, writerVersion))) {
                SseTestClient.Event event = stream.next(Duration.ofMillis(250));
                if (event != null) {
                    latest = event;
                }
            }
            assertThat(latest).as("an event after the change").isNotNull();
            JsonNode writer = writerState(run);
            assertThat(latest.data().get("status").asString()).isEqualTo("EXECUTING");
            assertThat(latest.metadata()).isEqualTo(writer.get("metadata"));
            assertThat(Instant.parse(latest.data().get("updatedAt").asString())).isEqualTo(writerVersion);
        }
    }

    private static boolean isWriterState(SseTestClient.Event event, Instant writerVersion) {
        return Instant.parse(event.data().get("updatedAt").asString()).equals(writerVersion);
    }

    private JsonNode writerState(CreatedRun run) {
        String metadata = jdbc.sql("SELECT metadata FROM task_runs WHERE id = ?").param(run.id()).query(String.class).single();
        return json.createObjectNode().set("metadata", json.readTree(metadata));
    }

    private int putMetadata(ProvisionedEnvironment env, CreatedRun run, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/runs/"
                        + run.friendlyId() + "/metadata"))
                .header("Authorization", "Bearer " + env.secretKey()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
