package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shape-stream protocol (what the official SDK's {@code runs.subscribeTo*} speak) through a real HTTP client:
 * snapshot and live polls, resume after a dropped connection or a lost answer, a second instance, no-op writes,
 * the read-your-writes gate under real replica lag, the per-environment cap and query validation.
 */
@ServerIntegrationTest
class ShapeStreamProtocolTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    ShapeStreamProtocol shapes;
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
    MeterRegistry meters;

    private ProvisionedEnvironment env;
    private TestRuns runs;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        runs = new TestRuns(creator, jdbc, transactions, events);
    }

    private ShapeTestClient subscribe(CreatedRun run) {
        return new ShapeTestClient(port, "/realtime/v1/runs/" + run.friendlyId(), env.secretKey());
    }

    private int putMetadata(CreatedRun run, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/runs/"
                        + run.friendlyId() + "/metadata"))
                .header("Authorization", "Bearer " + env.secretKey()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends a live poll and returns once the server holds it. */
    private CompletableFuture<ShapeTestClient.Answer> held(ShapeTestClient client) {
        CompletableFuture<ShapeTestClient.Answer> poll = client.live();
        await().atMost(Duration.ofSeconds(30)).until(() -> shapes.holding(client.handle) || poll.isDone());
        return poll;
    }

    @Test
    void theSnapshotCarriesTheRowAsTheSdkValidatesItAndALivePollIsAnsweredWithTheChange() throws Exception {
        CreatedRun run = runs.create(env, List.of("a", "with \"quote\""), null, "{\"step\":0}");
        ShapeTestClient client = subscribe(run);

        ShapeTestClient.Answer snapshot = client.snapshot();
        assertThat(snapshot.status()).isEqualTo(200);
        assertThat(snapshot.headers()).containsKeys("electric-handle", "electric-offset", "electric-schema",
                "electric-cursor", "electric-up-to-date");
        assertThat(snapshot.endsUpToDate()).isTrue();
        JsonNode schema = JSON.readTree(snapshot.headers().get("electric-schema"));
        assertThat(schema.get("runTags").get("dims").asInt()).isEqualTo(1);
        assertThat(schema.get("isTest").get("type").asString()).isEqualTo("bool");
        List<JsonNode> changes = snapshot.changes();
        assertThat(changes).hasSize(1);
        assertThat(changes.get(0).get("headers").get("operation").asString()).isEqualTo("insert");
        JsonNode row = changes.get(0).get("value");
        assertThat(row.get("friendlyId").asString()).isEqualTo(run.friendlyId());
        assertThat(row.get("id").asString()).isEqualTo(run.id());
        assertThat(row.get("status").asString()).isEqualTo("PENDING");
        assertThat(row.get("taskIdentifier").asString()).isEqualTo("realtime-task");
        assertThat(row.get("runTags").asString()).isEqualTo("{\"a\",\"with \\\"quote\\\"\"}");
        assertThat(row.get("isTest").asString()).isEqualTo("false");
        assertThat(row.get("payload").asString()).isEqualTo("{\"n\":1}");
        assertThat(row.get("payloadType").asString()).isEqualTo("application/json");
        assertThat(row.get("metadataType").asString()).isEqualTo("application/json");
        assertThat(row.get("createdAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}");

        CompletableFuture<ShapeTestClient.Answer> poll = held(client);
        assertThat(putMetadata(run, "{\"metadata\":{\"step\":1}}")).isEqualTo(200);
        ShapeTestClient.Answer change = client.follow(client.awaitChange(poll));
        assertThat(change.status()).isEqualTo(200);
        assertThat(change.changes().get(0).get("headers").get("operation").asString()).isEqualTo("update");
        assertThat(change.metadata().get("step").asInt()).isEqualTo(1);
        assertThat(change.offset()).isNotEqualTo(snapshot.offset());
        assertThat(change.handle()).isEqualTo(snapshot.handle());
    }

    @Test
    void aChangeWhileThePollWasDroppedIsDeliveredOnTheNextPoll() throws Exception {
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":0}");
        ShapeTestClient client = subscribe(run);
        client.snapshot();

        client.dropLivePoll();
        assertThat(putMetadata(run, "{\"metadata\":{\"step\":1}}")).isEqualTo(200);

        ShapeTestClient.Answer next = client.follow(ShapeTestClient.await(client.live()));
        assertThat(next.metadata().get("step").asInt()).isEqualTo(1);
    }

    @Test
    void anAnswerThatNeverArrivedIsSentAgainAndNothingIsRepeatedAfterIt() {
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":0}");
        ShapeTestClient client = subscribe(run);
        client.snapshot();
        String before = client.offset;

        CompletableFuture<ShapeTestClient.Answer> poll = held(client);
        assertThat(putMetadata(run, "{\"metadata\":{\"step\":1}}")).isEqualTo(200);
        assertThat(client.awaitChange(poll).metadata().get("step").asInt()).isEqualTo(1);

        // The client never saw that answer (connection lost): it polls again from the offset it had.
        ShapeTestClient.Answer again = client.follow(ShapeTestClient.await(client.liveFrom(before)));
        assertThat(again.metadata().get("step").asInt()).isEqualTo(1);

        CompletableFuture<ShapeTestClient.Answer> after = held(client);
        assertThat(putMetadata(run, "{\"metadata\":{\"step\":2}}")).isEqualTo(200);
        ShapeTestClient.Answer next = client.awaitChange(after);
        assertThat(next.changes()).hasSize(1);
        assertThat(next.metadata().get("step").asInt()).isEqualTo(2);
    }

    @Test
    void aNoOpMetadataUpdateSendsNothing() {
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":1}");
        ShapeTestClient client = subscribe(run);
        client.snapshot();

        CompletableFuture<ShapeTestClient.Answer> poll = held(client);
        assertThat(putMetadata(run, "{\"metadata\":{\"step\":1}}")).isEqualTo(200);
        assertThat(putMetadata(run, "{\"metadata\":{\"step\":2}}")).isEqualTo(200);

        // Had the no-op produced a version, the first answer would carry step 1.
        ShapeTestClient.Answer answer = client.awaitChange(poll);
        assertThat(answer.metadata().get("step").asInt()).isEqualTo(2);
    }

    @Test
    void aStaleReplicaReadIsWithheldAndTheFreshRowDelivered() {
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":0}");
        ShapeTestClient client = subscribe(run);
        client.snapshot();
        ReplicaLag.behindBy(Duration.ofMillis(500), jdbc, transactions);

        List<Integer> steps = new ArrayList<>();
        for (int step = 1; step <= 3; step++) {
            CompletableFuture<ShapeTestClient.Answer> poll = held(client);
            assertThat(putMetadata(run, "{\"metadata\":{\"step\":" + step + "}}")).isEqualTo(200);
            ShapeTestClient.Answer answer = client.follow(client.awaitChange(poll));
            steps.add(answer.metadata().get("step").asInt());
        }
        // Each answer carries the write that woke it, never the replica's previous version.
        assertThat(steps).containsExactly(1, 2, 3);
    }

    @Test
    void aSecondInstanceOnTheSameDatabaseAndRedisContinuesTheSubscription() {
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":0}");
        ShapeTestClient here = subscribe(run);
        here.snapshot();
        ConfigurableApplicationContext second = new SpringApplicationBuilder(TriggerApiApplication.class)
                .profiles("test").run("--server.port=0");
        try {
            int otherPort = second.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            ShapeStreamProtocol otherShapes = second.getBean(ShapeStreamProtocol.class);
            ShapeTestClient there = here.on(otherPort);

            CompletableFuture<ShapeTestClient.Answer> poll = there.live();
            await().atMost(Duration.ofSeconds(30)).until(() -> otherShapes.holding(there.handle) || poll.isDone());
            assertThat(putMetadata(run, "{\"metadata\":{\"step\":1}}")).isEqualTo(200);
            ShapeTestClient.Answer answer = there.follow(there.awaitChange(poll));
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.metadata().get("step").asInt()).isEqualTo(1);

            // And back: the first instance continues from the second one's offset.
            ShapeTestClient back = there.on(port);
            CompletableFuture<ShapeTestClient.Answer> backPoll = back.live();
            await().atMost(Duration.ofSeconds(30)).until(() -> shapes.holding(back.handle) || backPoll.isDone());
            assertThat(putMetadata(run, "{\"metadata\":{\"step\":2}}")).isEqualTo(200);
            ShapeTestClient.Answer backAnswer = ShapeTestClient.await(backPoll);
            assertThat(backAnswer.changes()).hasSize(1);
            assertThat(backAnswer.metadata().get("step").asInt()).isEqualTo(2);
        } finally {
            second.close();
        }
    }

    @Test
    void pollsAboveTheEnvironmentsCapAreAnswered429WithRetryAfter() {
        // Snapshots first, while nothing is held (a snapshot waiting for its initial read counts as held too).
        List<ShapeTestClient> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ShapeTestClient client = subscribe(runs.create(env, List.of(), null, null));
            client.snapshot();
            clients.add(client);
        }
        List<CompletableFuture<ShapeTestClient.Answer>> polls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            polls.add(held(clients.get(i)));
        }
        ShapeTestClient.Answer refused = ShapeTestClient.await(clients.get(3).live());
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.headers()).containsKey("retry-after");
        assertThat(refused.body().get("error").asString()).contains("Too many");
        polls.forEach(ShapeTestClient::await);
    }

    @Test
    void theHeldGaugeCountsAHeldLivePollAndDropsWhenItIsAnswered() {
        // Polls of earlier tests end at the (test) live timeout; start from none held.
        await().atMost(Duration.ofSeconds(60)).until(() -> heldGauge() == 0);
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":0}");
        ShapeTestClient client = subscribe(run);
        client.snapshot();
        CompletableFuture<ShapeTestClient.Answer> poll = held(client);
        // The gauge must survive a collection: Micrometer keeps a gauge's state object only weakly by default.
        System.gc();
        double whileHeld = heldGauge();
        while (poll.isDone()) {
            // The live timeout answered it first (busy machine): hold another one, as the client would.
            client.follow(ShapeTestClient.await(poll));
            poll = held(client);
            System.gc();
            whileHeld = heldGauge();
        }
        assertThat(whileHeld).isEqualTo(1);

        assertThat(putMetadata(run, "{\"metadata\":{\"step\":1}}")).isEqualTo(200);
        assertThat(client.follow(client.awaitChange(poll)).metadata().get("step").asInt()).isEqualTo(1);
        System.gc();
        await().atMost(Duration.ofSeconds(10)).until(() -> heldGauge() == 0);
    }

    private double heldGauge() {
        return meters.get("realtime.shape.held").gauge().value();
    }

    @Test
    void invalidFeedQueriesAre400InBothFormats() {
        for (String query : List.of("tags=a%00b", "tags=", "tags=%20,%20", "createdAfter=99999999999d",
                "createdAt=99999999999d", "tags=a&offset=bogus", "tags=a&offset=1_1")) {
            ShapeTestClient.Answer shape = ShapeTestClient.await(
                    new ShapeTestClient(port, "/realtime/v1/runs?" + query, env.secretKey()).send(Map.of()));
            assertThat(shape.status()).as(query).isEqualTo(400);
            assertThat(shape.body().get("error").asString()).as(query).isNotBlank();
            if (query.contains("offset")) {
                continue; // SSE has no offset: that query is a valid stream there
            }
            try {
                HttpResponse<String> sse = HTTP.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/realtime/v1/runs?" + query))
                        .header("Authorization", "Bearer " + env.secretKey())
                        .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(sse.statusCode()).as(query).isEqualTo(400);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void skipColumnsLeavesColumnsOutButNeverTheOnesTheClientNeeds() {
        CreatedRun run = runs.create(env, List.of(), null, null);
        ShapeTestClient client = new ShapeTestClient(port, "/realtime/v1/runs/" + run.friendlyId()
                + "?skipColumns=payload,output,status", env.secretKey());
        JsonNode row = client.snapshot().changes().get(0).get("value");
        assertThat(row.has("payload")).isFalse();
        assertThat(row.has("output")).isFalse();
        assertThat(row.get("status").asString()).isEqualTo("PENDING");
        ShapeTestClient unknown = new ShapeTestClient(port, "/realtime/v1/runs/" + run.friendlyId()
                + "?skipColumns=nope", env.secretKey());
        assertThat(ShapeTestClient.await(unknown.send(Map.of("offset", "-1"))).status()).isEqualTo(400);
    }
}
