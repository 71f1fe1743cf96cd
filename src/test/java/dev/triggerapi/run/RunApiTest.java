package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import dev.triggerapi.support.TestRuns;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The public run API as the official SDK calls it (secret key, {@code Content-Type: application/json} always). */
@IntegrationTest
class RunApiTest {

    /** Every field the SDK's RetrieveRunResponse schema requires (contract §2, §8). */
    private static final List<String> REQUIRED = List.of("id", "status", "taskIdentifier", "isQueued", "isExecuting",
            "isWaiting", "isCompleted", "isSuccess", "isFailed", "isCancelled", "isTest", "createdAt", "updatedAt",
            "tags", "costInCents", "baseCostInCents", "durationMs", "depth", "triggerFunction", "relatedRuns");

    @Autowired
    MockMvc mvc;
    @Autowired
    JsonMapper json;
    @Autowired
    RunCreator creator;
    @Autowired
    RunEngine engine;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;

    private ProvisionedEnvironment env;
    private ProvisionedWorkerGroup workerGroup;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        workerGroup = TestData.workerGroup(provisioning);
    }

    private TestRuns run(String task) {
        return TestRuns.run(env.environment().id(), task);
    }

    private MvcResult retrieve(String runId, String secretKey) throws Exception {
        return mvc.perform(get("/api/v3/runs/" + runId).header("Authorization", "Bearer " + secretKey)
                .header("Content-Type", "application/json")).andReturn();
    }

    private JsonNode retrieved(String runId) throws Exception {
        MvcResult result = retrieve(runId, env.secretKey());
        assertThat(result.getResponse().getStatus()).as(result.getResponse().getContentAsString()).isEqualTo(200);
        return json.readTree(result.getResponse().getContentAsString());
    }

    /**
     * The run once the replica shows it in {@code status}: retrieve reads replica-first, so right after a
     * change it may still show the previous state (a missing run, by contrast, is re-checked on the writer).
     */
    private JsonNode retrievedOnceStatusIs(String runId, String status) {
        JsonNode[] body = new JsonNode[1];
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            body[0] = retrieved(runId);
            return body[0].get("status").stringValue().equals(status);
        });
        return body[0];
    }

    private MvcResult cancel(String runId, String secretKey) throws Exception {
        // Exactly what the SDK sends: a JSON content type and no body at all.
        return mvc.perform(post("/api/v2/runs/" + runId + "/cancel").header("Authorization", "Bearer " + secretKey)
                .header("Content-Type", "application/json")).andReturn();
    }

    /** Paths of every null in the document (zod rejects null for every optional field but payload/output). */
    private static List<String> nulls(JsonNode node, String path) {
        List<String> found = new ArrayList<>();
        if (node.isNull()) {
            found.add(path);
        } else if (node.isObject()) {
            node.propertyStream().forEach(e -> found.addAll(nulls(e.getValue(), path + "/" + e.getKey())));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                found.addAll(nulls(node.get(i), path + "/" + i));
            }
        }
        return found;
    }

    private RunActionResult executing(CreatedRun created) {
        RunActionResult dequeued = engine.dequeue(workerGroup.id(), env.environment().id(), 1).get(0);
        assertThat(dequeued.run().friendlyId()).isEqualTo(created.friendlyId());
        return engine.startAttempt(new RunAction(workerGroup.id(), env.environment().id(), created.friendlyId(),
                dequeued.snapshot().id()));
    }

    @Test
    void retrieveRendersEveryFieldTheSdkRequiresAndNoNulls() throws Exception {
        CreatedRun created = creator.create(run("shape").tags("a", "b").ttl("10m", 600).idempotencyKey("idem")
                .metadata("{\"step\":\"one\",\"nested\":{\"a\":1}}", "application/json").build());

        JsonNode body = retrieved(created.friendlyId());

        assertThat(REQUIRED).allSatisfy(field -> assertThat(body.has(field)).as(field).isTrue());
        assertThat(nulls(body, "")).isEmpty();
        assertThat(body.get("id").stringValue()).isEqualTo(created.friendlyId());
        assertThat(body.get("status").stringValue()).isEqualTo("QUEUED");
        assertThat(body.get("taskIdentifier").stringValue()).isEqualTo("shape");
        assertThat(body.get("isQueued").booleanValue()).isTrue();
        for (String flag : List.of("isExecuting", "isWaiting", "isCompleted", "isSuccess", "isFailed", "isCancelled", "isTest")) {
            assertThat(body.get(flag).isBoolean()).as(flag).isTrue();
            assertThat(body.get(flag).booleanValue()).as(flag).isFalse();
        }
        assertThat(body.get("costInCents").isNumber()).isTrue();
        assertThat(body.get("baseCostInCents").isNumber()).isTrue();
        assertThat(body.get("durationMs").intValue()).isZero();
        assertThat(body.get("depth").intValue()).isZero();
        assertThat(body.get("triggerFunction").stringValue()).isEqualTo("trigger");
        assertThat(body.get("relatedRuns").isObject()).isTrue();
        assertThat(body.get("relatedRuns").size()).isZero();
        assertThat(body.get("tags")).extracting(JsonNode::stringValue).containsExactly("a", "b");
        assertThat(body.get("attemptCount").intValue()).isZero();
        assertThat(body.get("ttl").stringValue()).isEqualTo("10m");
        assertThat(body.get("idempotencyKey").stringValue()).isEqualTo("idem");
        assertThat(body.get("payload")).isEqualTo(json.readTree("{\"hello\":\"world\"}"));
        assertThat(body.get("metadata")).isEqualTo(json.readTree("{\"step\":\"one\",\"nested\":{\"a\":1}}"));
        assertThat(body.get("createdAt").stringValue()).matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z");
        assertThat(body.get("updatedAt").stringValue()).endsWith("Z");
        for (String absent : List.of("startedAt", "finishedAt", "delayedUntil", "expiredAt", "output", "error", "batchId")) {
            assertThat(body.has(absent)).as(absent).isFalse();
        }
    }

    @Test
    void payloadIsShownAsTheSdkParsesItsContentType() throws Exception {
        record Case(String stored, String type, String shown) {
        }
        // A JSON document that is a string stays that string (the SDK's parsePacket parses once), as in the feed.
        List<Case> cases = List.of(
                new Case("{\"json\":{\"n\":1},\"meta\":{\"values\":{\"d\":[\"Date\"]}}}", "application/super+json", "{\"n\":1}"),
                new Case("\"{\\\"json\\\":{\\\"n\\\":2}}\"", "application/super+json", "\"{\\\"json\\\":{\\\"n\\\":2}}\""),
                new Case("\"{\\\"a\\\":1}\"", "application/json", "\"{\\\"a\\\":1}\""),
                new Case("\"123\"", "application/json", "\"123\""),
                new Case("{\"a\":[1,2]}", "application/json", "{\"a\":[1,2]}"),
                new Case("hello there", "text/plain", "\"hello there\""));
        for (Case c : cases) {
            CreatedRun created = creator.create(run("payloads").payload(c.stored(), c.type()).build());
            assertThat(retrieved(created.friendlyId()).get("payload")).as(c.stored()).isEqualTo(json.readTree(c.shown()));
        }
    }

    @Test
    void offloadedPayloadIsOfferedAsAPresignedDownloadUrl() throws Exception {
        CreatedRun created = creator.create(run("big").payload("trigger/packet_x/payload.json", "application/store").build());

        JsonNode body = retrieved(created.friendlyId());

        assertThat(body.has("payload")).isFalse();
        assertThat(body.get("payloadPresignedUrl").stringValue()).contains("/packets/v1/");
    }

    @Test
    void finishedRunShowsItsOutputTimesAndSuccess() throws Exception {
        CreatedRun created = creator.create(run("done").build());
        RunActionResult started = executing(created);
        engine.completeAttempt(new RunAction(workerGroup.id(), null, created.friendlyId(), started.snapshot().id()),
                AttemptCompletion.success("{\"json\":{\"answer\":42}}", "application/super+json"));

        JsonNode body = retrievedOnceStatusIs(created.friendlyId(), "COMPLETED");

        assertThat(body.get("isCompleted").booleanValue()).isTrue();
        assertThat(body.get("isSuccess").booleanValue()).isTrue();
        assertThat(body.get("isQueued").booleanValue()).isFalse();
        assertThat(body.get("output")).isEqualTo(json.readTree("{\"answer\":42}"));
        assertThat(body.get("attemptCount").intValue()).isEqualTo(1);
        Instant startedAt = Instant.parse(body.get("startedAt").stringValue());
        Instant finishedAt = Instant.parse(body.get("finishedAt").stringValue());
        assertThat(finishedAt).isAfterOrEqualTo(startedAt);
        assertThat(body.get("durationMs").longValue()).isEqualTo(Duration.between(startedAt, finishedAt).toMillis());
        assertThat(nulls(body, "")).isEmpty();
    }

    @Test
    void failedRunShowsItsErrorAndFailure() throws Exception {
        CreatedRun created = creator.create(run("broken").maxAttempts(1).build());
        RunActionResult started = executing(created);
        engine.completeAttempt(new RunAction(workerGroup.id(), null, created.friendlyId(), started.snapshot().id()),
                AttemptCompletion.failure(new RunError("kaput", "TypeError", null)));

        JsonNode body = retrievedOnceStatusIs(created.friendlyId(), "FAILED");

        assertThat(body.get("isFailed").booleanValue()).isTrue();
        assertThat(body.get("isCompleted").booleanValue()).isTrue();
        assertThat(body.get("error")).isEqualTo(json.readTree("{\"message\":\"kaput\",\"name\":\"TypeError\"}"));
    }

    @Test
    void executingRunIsExecutingAndDelayedRunShowsWhenItWillRun() throws Exception {
        CreatedRun running = creator.create(run("busy").build());
        executing(running);
        Instant later = Instant.now().plusSeconds(600);
        CreatedRun delayed = creator.create(run("later").delayUntil(later).build());

        JsonNode busy = retrievedOnceStatusIs(running.friendlyId(), "EXECUTING");
        JsonNode waiting = retrieved(delayed.friendlyId());

        assertThat(busy.get("isExecuting").booleanValue()).isTrue();
        assertThat(waiting.get("status").stringValue()).isEqualTo("DELAYED");
        assertThat(waiting.get("isQueued").booleanValue()).isTrue();
        assertThat(Instant.parse(waiting.get("delayedUntil").stringValue())).isEqualTo(later.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    @Test
    void runTriggeredAMomentAgoIsFoundWhileTheReplicaLags() throws Exception {
        Cluster.replicaDelay(Duration.ofMillis(500));
        CreatedRun created = creator.create(run("fresh").build());

        assertThat(retrieved(created.friendlyId()).get("id").stringValue()).isEqualTo(created.friendlyId());
    }

    @Test
    void runOfAnotherEnvironmentIsA404ForRetrieveAndCancel() throws Exception {
        CreatedRun created = creator.create(run("private").build());
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);

        MvcResult read = retrieve(created.friendlyId(), other.secretKey());
        MvcResult cancelled = cancel(created.friendlyId(), other.secretKey());

        assertThat(read.getResponse().getStatus()).isEqualTo(404);
        assertThat(json.readTree(read.getResponse().getContentAsString()).get("error").stringValue()).contains("not found");
        assertThat(cancelled.getResponse().getStatus()).isEqualTo(404);
        assertThat(jdbc.sql("SELECT status FROM task_runs WHERE id = ?").param(created.id()).query(String.class).single())
                .isEqualTo("QUEUED");
    }

    @Test
    void unknownRunIsA404JsonError() throws Exception {
        MvcResult result = retrieve("run_" + Ids.newId(), env.secretKey());

        assertThat(result.getResponse().getStatus()).isEqualTo(404);
        assertThat(json.readTree(result.getResponse().getContentAsString()).get("error").isString()).isTrue();
    }

    @Test
    void bodylessCancelLabelledJsonCancelsTheRunAndAnswersItsId() throws Exception {
        CreatedRun created = creator.create(run("cancel").build());

        MvcResult result = cancel(created.friendlyId(), env.secretKey());

        assertThat(result.getResponse().getStatus()).isEqualTo(200);
        assertThat(json.readTree(result.getResponse().getContentAsString()))
                .isEqualTo(json.readTree("{\"id\":\"" + created.friendlyId() + "\"}"));
        JsonNode body = retrievedOnceStatusIs(created.friendlyId(), "CANCELED");
        assertThat(body.get("isCancelled").booleanValue()).isTrue();
        assertThat(body.get("isCompleted").booleanValue()).isTrue();
        assertThat(body.has("finishedAt")).isTrue();
    }

    @Test
    void batchRunIsReportedAsBatchTriggered() throws Exception {
        CreatedRun created = creator.create(run("batched").batch("batch_" + Ids.newId()).build());

        JsonNode body = retrieved(created.friendlyId());

        assertThat(body.get("triggerFunction").stringValue()).isEqualTo("batchTrigger");
        assertThat(body.get("batchId").stringValue()).startsWith("batch_");
    }
}
