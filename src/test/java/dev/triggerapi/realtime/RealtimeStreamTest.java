package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

/** The SSE endpoints through a real HTTP client: wire format, resume, auth and scopes, slow and vanished clients. */
@ServerIntegrationTest
class RealtimeStreamTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @LocalServerPort
    int port;
    @Autowired
    RunFeedHub hub;
    @Autowired
    PublicAccessTokens tokens;
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

    private ProvisionedEnvironment env;
    private TestRuns runs;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        runs = new TestRuns(creator, jdbc, transactions, events);
    }

    private SseTestClient open(String path) {
        return SseTestClient.open(port, path, env.secretKey(), null);
    }

    private int putMetadata(CreatedRun run, String body) {
        return send("PUT", "/api/v1/runs/" + run.friendlyId() + "/metadata", body);
    }

    private int send(String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + env.secretKey()).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void firstEventIsTheCurrentStateAndChangesFollowWithIncreasingIds() {
        CreatedRun run = runs.create(env, List.of("a"), null, "{\"step\":0}");
        try (SseTestClient stream = open("/realtime/v1/runs/" + run.friendlyId())) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.header("content-type")).startsWith("text/event-stream");

            SseTestClient.Event first = stream.next();
            assertThat(first.runId()).isEqualTo(run.friendlyId());
            assertThat(first.data().get("status").stringValue()).isEqualTo("QUEUED");
            assertThat(first.data().get("taskIdentifier").stringValue()).isEqualTo("realtime-task");
            assertThat(first.metadata().get("step").asInt()).isZero();
            assertThat(first.data().get("tags").get(0).stringValue()).isEqualTo("a");
            assertThat(first.data().get("attemptCount").asInt()).isZero();
            assertThat(first.data().get("createdAt").stringValue()).endsWith("Z");
            assertThat(first.data().has("output")).isFalse();

            assertThat(putMetadata(run, "{\"metadata\":{\"step\":1}}")).isEqualTo(200);
            SseTestClient.Event second = stream.next();
            assertThat(second.metadata().get("step").asInt()).isEqualTo(1);
            assertThat(Long.parseLong(second.id())).isGreaterThan(Long.parseLong(first.id()));

            runs.setStatus(run, env.environment().id(), "EXECUTING");
            SseTestClient.Event third = stream.next();
            assertThat(third.data().get("status").stringValue()).isEqualTo("EXECUTING");
            assertThat(third.metadata().get("step").asInt()).isEqualTo(1);

            await().atMost(Duration.ofSeconds(10)).until(() -> stream.comments().contains("ping"));
        }
    }

    @Test
    void reconnectWithLastEventIdResumesWithoutLosingOrRepeating() {
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":0}");
        String path = "/realtime/v1/runs/" + run.friendlyId();
        String seen;
        try (SseTestClient stream = open(path)) {
            seen = stream.next().id();
        }
        putMetadata(run, "{\"metadata\":{\"step\":1}}");
        putMetadata(run, "{\"metadata\":{\"step\":2}}");

        String latest;
        try (SseTestClient resumed = SseTestClient.open(port, path, env.secretKey(), seen)) {
            SseTestClient.Event first = resumed.next();
            assertThat(first.metadata().get("step").asInt()).isEqualTo(2);
            latest = first.id();
        }

        try (SseTestClient upToDate = SseTestClient.open(port, path, env.secretKey(), latest)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> upToDate.comments().contains("connected"));
            putMetadata(run, "{\"metadata\":{\"step\":3}}");
            // Already had step 2: the first event of this connection is the new change, not a repeat.
            assertThat(upToDate.next().metadata().get("step").asInt()).isEqualTo(3);
        }
    }

    @Test
    void tagFeedResumedWithLastEventIdDeliversEverythingThatChangedWhileAway() {
        String tag = "resume-" + Ids.newId();
        CreatedRun a = runs.create(env, List.of(tag), null, "{\"step\":0}");
        CreatedRun b = runs.create(env, List.of(tag), null, "{\"step\":0}");
        runs.create(env, List.of("other"), null, null);
        String path = "/realtime/v1/runs?tags=" + tag;
        String lastId;
        try (SseTestClient stream = open(path)) {
            Set<String> initial = Set.of(stream.next().runId(), stream.next().runId());
            assertThat(initial).containsExactlyInAnyOrder(a.friendlyId(), b.friendlyId());
            lastId = stream.received().get(1).id();
        }

        CreatedRun c = runs.create(env, List.of(tag), null, "{\"step\":0}");
        putMetadata(a, "{\"metadata\":{\"step\":1}}");

        try (SseTestClient resumed = SseTestClient.open(port, path, env.secretKey(), lastId)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> resumed.received().stream().anyMatch(e ->
                    e.runId().equals(c.friendlyId())) && resumed.received().stream().anyMatch(e ->
                    e.runId().equals(a.friendlyId()) && e.metadata().get("step").asInt() == 1));
            // Within one connection versions only move forward (older ones inside the resume overlap may be
            // re-sent first, never after a newer one).
            List<Integer> stepsOfA = resumed.received().stream().filter(e -> e.runId().equals(a.friendlyId()))
                    .map(e -> e.metadata().get("step").asInt()).toList();
            assertThat(stepsOfA).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void batchFeedStreamsTheBatchsRunsOnly() {
        String batchId = "batch_" + Ids.newId();
        CreatedRun one = runs.create(env, List.of(), batchId, null);
        CreatedRun two = runs.create(env, List.of(), batchId, null);
        CreatedRun outsider = runs.create(env, List.of(), "batch_" + Ids.newId(), null);
        try (SseTestClient stream = open("/realtime/v1/batches/" + batchId)) {
            assertThat(Set.of(stream.next().runId(), stream.next().runId()))
                    .containsExactlyInAnyOrder(one.friendlyId(), two.friendlyId());

            putMetadata(outsider, "{\"metadata\":{\"x\":1}}");
            CreatedRun three = runs.create(env, List.of(), batchId, null);

            SseTestClient.Event next = stream.next();
            assertThat(next.runId()).isEqualTo(three.friendlyId());
            assertThat(next.data().get("batchId").stringValue()).isEqualTo(batchId);
        }
    }

    @Test
    void publicTokenReadsWhatItIsScopedToAndNothingElse() {
        CreatedRun mine = runs.create(env, List.of("shared"), null, null);
        CreatedRun other = runs.create(env, List.of("shared"), null, null);
        String runToken = tokens.forRun(env.environment(), mine.friendlyId());

        try (SseTestClient stream = SseTestClient.open(port, "/realtime/v1/runs/" + mine.friendlyId(), runToken, null)) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.next().runId()).isEqualTo(mine.friendlyId());
        }
        try (SseTestClient denied = SseTestClient.open(port, "/realtime/v1/runs/" + other.friendlyId(), runToken, null)) {
            assertThat(denied.status()).isEqualTo(401);
            assertThat(denied.errorBody().get("error").stringValue()).isNotBlank();
        }
        try (SseTestClient denied = SseTestClient.open(port, "/realtime/v1/runs?tags=shared", runToken, null)) {
            assertThat(denied.status()).isEqualTo(401);
        }
        try (SseTestClient denied = SseTestClient.open(port, "/realtime/v1/batches/batch_x", runToken, null)) {
            assertThat(denied.status()).isEqualTo(401);
        }

        // A token of another environment names a run id that exists only here: not readable.
        ProvisionedEnvironment elsewhere = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        String foreign = tokens.forRun(elsewhere.environment(), mine.friendlyId());
        try (SseTestClient denied = SseTestClient.open(port, "/realtime/v1/runs/" + mine.friendlyId(), foreign, null)) {
            assertThat(denied.status()).isEqualTo(401);
        }

        String tagToken = tokens.forTags(env.environment(), List.of("shared"));
        try (SseTestClient stream = SseTestClient.open(port, "/realtime/v1/runs?tags=shared", tagToken, null)) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(Set.of(stream.next().runId(), stream.next().runId()))
                    .containsExactlyInAnyOrder(mine.friendlyId(), other.friendlyId());
        }
    }

    @Test
    void missingOrInvalidCredentialsAre401() {
        CreatedRun run = runs.create(env, List.of(), null, null);
        String path = "/realtime/v1/runs/" + run.friendlyId();
        try (SseTestClient none = SseTestClient.open(port, path, null, null)) {
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.errorBody().get("error").stringValue()).isNotBlank();
        }
        try (SseTestClient garbage = SseTestClient.open(port, path, "eyJ.eyJ.sig", null)) {
            assertThat(garbage.status()).isEqualTo(401);
        }
        try (SseTestClient wrongKey = SseTestClient.open(port, path, "tr_dev_not_a_key", null)) {
            assertThat(wrongKey.status()).isEqualTo(401);
        }
    }

    @Test
    void anotherEnvironmentsRunIsNotFound() {
        CreatedRun run = runs.create(env, List.of(), null, null);
        ProvisionedEnvironment elsewhere = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        try (SseTestClient stream = SseTestClient.open(port, "/realtime/v1/runs/" + run.friendlyId(), elsewhere.secretKey(), null)) {
            assertThat(stream.status()).isEqualTo(404);
        }
    }

    @Test
    void malformedParametersAre400() {
        CreatedRun run = runs.create(env, List.of(), null, null);
        try (SseTestClient stream = SseTestClient.open(port, "/realtime/v1/runs/" + run.friendlyId(), env.secretKey(), "abc")) {
            assertThat(stream.status()).isEqualTo(400);
        }
        try (SseTestClient stream = open("/realtime/v1/runs?tags=a&createdAfter=yesterday")) {
            assertThat(stream.status()).isEqualTo(400);
        }
        String elevenTags = java.util.stream.IntStream.range(0, 11).mapToObj(i -> "t" + i).collect(Collectors.joining(","));
        try (SseTestClient stream = open("/realtime/v1/runs?tags=" + elevenTags)) {
            assertThat(stream.status()).isEqualTo(400);
        }
    }

    @Test
    void closedClientIsDetectedAndReleased() {
        CreatedRun run = runs.create(env, List.of(), null, null);
        // Streams of earlier tests are closed by their clients; let their release finish first.
        await().atMost(Duration.ofSeconds(15)).until(() -> hub.activeSubscriptions() == 0);
        SseTestClient stream = open("/realtime/v1/runs/" + run.friendlyId());
        stream.next();
        assertThat(hub.activeSubscriptions()).isEqualTo(1);

        stream.close();

        // Heartbeats (every 500 ms in tests) hit the closed connection; the subscription is released.
        await().atMost(Duration.ofSeconds(15)).until(() -> hub.activeSubscriptions() == 0);
    }

    @Test
    void slowSubscriberDoesNotDelayAFastOne() throws Exception {
        CreatedRun run = runs.create(env, List.of(), null, "{\"step\":0}");
        String path = "/realtime/v1/runs/" + run.friendlyId();
        String filler = "x".repeat(200_000);
        try (Socket slow = new Socket(); SseTestClient fast = open(path)) {
            // The slow client asks for the stream, reads the response head, then never reads again.
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream out = slow.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + env.secretKey()
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            readResponseHead(slow.getInputStream());
            fast.next();

            // Large versions until the slow client's socket is full and its subscription holds undelivered ones;
            // the fast client receives each version as it is written all along.
            int step = 0;
            while (hub.backedUpSubscriptions().isEmpty() && step < 200) {
                step++;
                assertThat(putMetadata(run, "{\"metadata\":{\"step\":" + step + ",\"filler\":\"" + filler + "\"}}"))
                        .isEqualTo(200);
                assertThat(fast.next().metadata().get("step").asInt()).isEqualTo(step);
            }
            assertThat(hub.backedUpSubscriptions()).as("slow subscriber backed up").hasSize(1);

            putMetadata(run, "{\"metadata\":{\"step\":" + (step + 1) + "}}");
            assertThat(fast.next().metadata().get("step").asInt()).isEqualTo(step + 1);
            assertThat(hub.backedUpSubscriptions()).hasSize(1);
        }
    }

    @Test
    void corsPreflightIsAnsweredWithoutCredentials() throws Exception {
        HttpRequest preflight = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/realtime/v1/runs/run_x"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example.com")
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization, last-event-id").build();
        HttpResponse<Void> response = HTTP.send(preflight, HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("access-control-allow-origin")).contains("https://app.example.com");
    }

    private static void readResponseHead(InputStream in) throws IOException {
        Set<String> seen = new HashSet<>();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String text = line.toString().trim();
                if (text.isEmpty()) {
                    assertThat(seen).anyMatch(l -> l.startsWith("HTTP/1.1 200"));
                    return;
                }
                seen.add(text);
                line.setLength(0);
            } else {
                line.append((char) c);
            }
        }
        throw new IOException("Connection closed before the response head");
    }
}
