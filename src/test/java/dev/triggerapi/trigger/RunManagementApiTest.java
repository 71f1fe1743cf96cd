package dev.triggerapi.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.run.AttemptCompletion;
import dev.triggerapi.run.RunAction;
import dev.triggerapi.run.RunActionResult;
import dev.triggerapi.run.RunEngine;
import dev.triggerapi.run.RunError;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Replay, reschedule, idempotency-key reset, run result and metadata, batch retrieve and results: through the
 * real filter chain, with the bodies the official SDK sends.
 */
@IntegrationTest
class RunManagementApiTest {

    private static final String PAYLOAD = "{\"json\":{\"name\":\"original\",\"n\":1}}";

    @Autowired
    MockMvc mvc;
    @Autowired
    JsonMapper json;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    RunEngine engine;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;

    private ProvisionedEnvironment env;
    private ProvisionedWorkerGroup workerGroup;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        workerGroup = TestData.workerGroup(provisioning);
    }

    private MvcResult call(MockHttpServletRequestBuilder request, ProvisionedEnvironment as) throws Exception {
        return mvc.perform(request.header("Authorization", "Bearer " + as.secretKey())
                .header("Content-Type", "application/json")).andReturn();
    }

    private JsonNode ok(MockHttpServletRequestBuilder request) throws Exception {
        MvcResult result = call(request, env);
        assertThat(result.getResponse().getStatus()).as(result.getResponse().getContentAsString()).isEqualTo(200);
        return json.readTree(result.getResponse().getContentAsString());
    }

    private MvcResult as(MockHttpServletRequestBuilder request) throws Exception {
        return call(request, env);
    }

    private String trigger(String task, Map<String, Object> options) throws Exception {
        String body = json.writeValueAsString(Map.of("payload", PAYLOAD,
                "options", options));
        return ok(post("/api/v1/tasks/" + task + "/trigger").content(body)).get("id").stringValue();
    }

    private Map<String, Object> row(String runId) {
        return jdbc.sql("""
                        SELECT task_identifier, queue, payload, payload_type, metadata, tags, concurrency_key, priority_ms,
                               max_attempts, machine, idempotency_key, status, delay_until
                        FROM task_runs WHERE friendly_id = ?""").param(runId).query().singleRow();
    }

    /** Dequeues, starts and completes every queued run of the environment. */
    private void completeAll(boolean ok) {
        for (RunActionResult dequeued : engine.dequeue(workerGroup.id(), env.environment().id(), 50)) {
            RunActionResult started = engine.startAttempt(new RunAction(workerGroup.id(), env.environment().id(),
                    dequeued.run().friendlyId(), dequeued.snapshot().id()));
            engine.completeAttempt(new RunAction(workerGroup.id(), env.environment().id(), dequeued.run().friendlyId(),
                            started.snapshot().id()),
                    ok ? AttemptCompletion.success("{\"json\":{\"done\":true}}", "application/super+json")
                            : new AttemptCompletion(false, null, null, new RunError("boom", "Error", "at x"), true));
        }
    }

    @Test
    void replayCopiesTaskPayloadOptionsAndTagsButNotTheIdempotencyKey() throws Exception {
        String original = trigger("replayed", Map.of("payloadType", "application/super+json", "tags", List.of("a", "b"),
                "metadata", "{\"step\":1}", "concurrencyKey", "ck", "priority", 5, "maxAttempts", 2, "machine", "small-1x",
                "idempotencyKey", "k".repeat(64)));

        // The SDK sends no body when replaying without overrides.
        String replayed = ok(post("/api/v1/runs/" + original + "/replay")).get("id").stringValue();

        assertThat(replayed).isNotEqualTo(original).startsWith("run_");
        Map<String, Object> before = row(original);
        Map<String, Object> after = row(replayed);
        for (String column : List.of("task_identifier", "queue", "payload", "payload_type", "metadata", "concurrency_key",
                "priority_ms", "max_attempts", "machine")) {
            assertThat(after.get(column)).as(column).isEqualTo(before.get(column));
        }
        assertThat(after.get("tags").toString()).isEqualTo(before.get("tags").toString());
        assertThat(after.get("payload")).isEqualTo(PAYLOAD);
        assertThat(after.get("idempotency_key")).isNull();
        assertThat(before.get("idempotency_key")).as("the original keeps its key").isNotNull();
    }

    @Test
    void replayOverridesWhatTheBodyNames() throws Exception {
        String original = trigger("replayed", Map.of("payloadType", "application/super+json", "tags", List.of("a")));

        String replayed = ok(post("/api/v1/runs/" + original + "/replay").content(
                "{\"payload\":\"{\\\"json\\\":{\\\"name\\\":\\\"new\\\"}}\",\"payloadType\":\"application/super+json\","
                        + "\"tags\":[\"x\",\"y\"],\"metadata\":{\"m\":true},\"delay\":\"1h\"}")).get("id").stringValue();

        Map<String, Object> after = row(replayed);
        assertThat(after.get("payload")).isEqualTo("{\"json\":{\"name\":\"new\"}}");
        assertThat(after.get("tags").toString()).contains("x").contains("y").doesNotContain("a");
        assertThat(json.readTree((String) after.get("metadata")).get("m").booleanValue()).isTrue();
        assertThat(after.get("status")).isEqualTo("DELAYED");
    }

    @Test
    void replayRefusesUnknownOrMistypedOptions() throws Exception {
        String original = trigger("replayed", Map.of());
        for (String body : List.of("{\"nope\":1}", "[1]", "{\"maxAttempts\":\"x\"}", "{\"tags\":5}", "{\"delay\":\"soon\"}",
                "{\"idempotencyKey\":\"" + "k".repeat(3000) + "\"}")) {
            int status = as(post("/api/v1/runs/" + original + "/replay").content(body)).getResponse().getStatus();
            assertThat(status).as(body).isBetween(400, 422);
        }
    }

    @Test
    void rescheduleMovesADelayedRunAndAnswersItAsRetrieveDoes() throws Exception {
        String run = trigger("later", Map.of("delay", "1h"));
        Instant before = Instant.parse(ok(get("/api/v3/runs/" + run)).get("delayedUntil").stringValue());

        JsonNode rescheduled = ok(post("/api/v1/runs/" + run + "/reschedule").content("{\"delay\":\"3h\"}"));

        assertThat(rescheduled.get("id").stringValue()).isEqualTo(run);
        assertThat(rescheduled.get("status").stringValue()).isEqualTo("DELAYED");
        Instant after = Instant.parse(rescheduled.get("delayedUntil").stringValue());
        assertThat(Duration.between(before, after)).isGreaterThan(Duration.ofMinutes(119));

        Instant date = Instant.parse("2099-01-02T03:04:05Z");
        JsonNode toDate = ok(post("/api/v1/runs/" + run + "/reschedule").content("{\"delay\":\"" + date + "\"}"));
        assertThat(Instant.parse(toDate.get("delayedUntil").stringValue())).isEqualTo(date);
    }

    @Test
    void rescheduleRefusesARunThatIsNotDelayedAndInvalidDelays() throws Exception {
        String queued = trigger("now", Map.of());
        String delayed = trigger("later", Map.of("delay", "1h"));

        MvcResult notDelayed = as(post("/api/v1/runs/" + queued + "/reschedule").content("{\"delay\":\"1h\"}"));
        assertThat(notDelayed.getResponse().getStatus()).isEqualTo(400);
        assertThat(row(queued).get("status")).isEqualTo("QUEUED");
        for (String body : List.of("{}", "{\"delay\":5}", "", "[]")) {
            assertThat(as(post("/api/v1/runs/" + delayed + "/reschedule").content(body)).getResponse().getStatus())
                    .as(body).isEqualTo(400);
        }
        for (String body : List.of("{\"delay\":\"soon\"}", "{\"delay\":\"99999999999d\"}", "{\"delay\":\"0000-13-45\"}")) {
            assertThat(as(post("/api/v1/runs/" + delayed + "/reschedule").content(body)).getResponse().getStatus())
                    .as(body).isEqualTo(422);
        }
    }

    @Test
    void resultIsTheSdkExecutionResultOnceTheRunHasFinished() throws Exception {
        String succeeded = trigger("result", Map.of());
        assertThat(as(get("/api/v1/runs/" + succeeded + "/result")).getResponse().getStatus())
                .as("not finished yet").isEqualTo(404);
        completeAll(true);
        String failed = trigger("result", Map.of());
        completeAll(false);
        String canceled = trigger("result", Map.of());
        assertThat(as(post("/api/v2/runs/" + canceled + "/cancel")).getResponse().getStatus()).isEqualTo(200);

        JsonNode ok = ok(get("/api/v1/runs/" + succeeded + "/result"));
        assertThat(ok.get("ok").booleanValue()).isTrue();
        assertThat(ok.get("id").stringValue()).isEqualTo(succeeded);
        assertThat(ok.get("output").stringValue()).isEqualTo("{\"json\":{\"done\":true}}");
        assertThat(ok.get("outputType").stringValue()).isEqualTo("application/super+json");
        assertThat(ok.get("taskIdentifier").stringValue()).isEqualTo("result");
        JsonNode error = ok(get("/api/v1/runs/" + failed + "/result"));
        assertThat(error.get("ok").booleanValue()).isFalse();
        assertThat(error.get("error").get("type").stringValue()).isEqualTo("BUILT_IN_ERROR");
        assertThat(error.get("error").get("message").stringValue()).isEqualTo("boom");
        JsonNode cancel = ok(get("/api/v1/runs/" + canceled + "/result"));
        assertThat(cancel.get("error").get("code").stringValue()).isEqualTo("TASK_RUN_CANCELLED");
    }

    @Test
    void metadataIsTheRunsMetadataObject() throws Exception {
        String with = trigger("meta", Map.of("metadata", "{\"progress\":0.5}"));
        String without = trigger("meta", Map.of());

        assertThat(ok(get("/api/v1/runs/" + with + "/metadata")).get("metadata").get("progress").doubleValue())
                .isEqualTo(0.5);
        assertThat(ok(get("/api/v1/runs/" + without + "/metadata")).get("metadata").isEmpty()).isTrue();
    }

    @Test
    void resetKeyLetsTheNextTriggerWithItCreateANewRun() throws Exception {
        String key = "f".repeat(64);
        String first = trigger("idem", Map.of("idempotencyKey", key));
        assertThat(trigger("idem", Map.of("idempotencyKey", key))).as("deduplicated").isEqualTo(first);

        JsonNode reset = ok(post("/api/v1/idempotencyKeys/" + key + "/reset").content("{\"taskIdentifier\":\"idem\"}"));

        assertThat(reset.get("id").stringValue()).isEqualTo(key);
        assertThat(trigger("idem", Map.of("idempotencyKey", key))).isNotEqualTo(first);
        assertThat(as(post("/api/v1/idempotencyKeys/" + "0".repeat(64) + "/reset").content("{\"taskIdentifier\":\"idem\"}"))
                .getResponse().getStatus()).isEqualTo(404);
        for (String body : List.of("{}", "{\"taskIdentifier\":5}", "", "{\"taskIdentifier\":\"" + "t".repeat(500) + "\"}")) {
            assertThat(as(post("/api/v1/idempotencyKeys/" + key + "/reset").content(body)).getResponse().getStatus())
                    .as(body).isEqualTo(400);
        }
        assertThat(as(post("/api/v1/idempotencyKeys/" + "k".repeat(3000) + "/reset").content("{\"taskIdentifier\":\"idem\"}"))
                .getResponse().getStatus()).isEqualTo(400);
    }

    @Test
    void batchRetrieveAndResultsListEveryItemInOrder() throws Exception {
        JsonNode created = ok(post("/api/v1/tasks/batch").content("""
                {"items":[{"task":"b","payload":"1"},{"task":"b","payload":"2"},{"task":"c","payload":"3"}]}"""));
        String batchId = created.get("id").stringValue();
        List<String> runIds = created.get("runs").valueStream().map(r -> r.get("id").stringValue()).toList();

        JsonNode batch = ok(get("/api/v2/batches/" + batchId));
        assertThat(batch.get("id").stringValue()).isEqualTo(batchId);
        assertThat(batch.get("status").stringValue()).isEqualTo("COMPLETED");
        assertThat(batch.get("runCount").intValue()).isEqualTo(3);
        assertThat(batch.get("runs").valueStream().map(JsonNode::stringValue).toList()).isEqualTo(runIds);
        assertThat(batch.get("processing").get("errors").isArray()).isTrue();

        completeAll(true);
        JsonNode results = ok(get("/api/v1/batches/" + batchId + "/results"));
        assertThat(results.get("id").stringValue()).isEqualTo(batchId);
        assertThat(results.get("items").valueStream().map(r -> r.get("id").stringValue()).toList()).isEqualTo(runIds);
        assertThat(results.get("items").valueStream().allMatch(r -> r.get("ok").booleanValue())).isTrue();
    }

    @Test
    void whatWasCreatedAMomentAgoIsFoundWhileTheReplicaLags() throws Exception {
        ReplicaLag.behindBy(Duration.ofMillis(1500), jdbc, transactions);
        String run = trigger("fresh", Map.of("metadata", "{\"a\":1}"));
        JsonNode batch = ok(post("/api/v1/tasks/batch").content("{\"items\":[{\"task\":\"b\",\"payload\":\"1\"}]}"));
        String batchId = batch.get("id").stringValue();

        assertThat(ok(get("/api/v1/runs/" + run + "/metadata")).get("metadata").get("a").intValue()).isEqualTo(1);
        assertThat(ok(post("/api/v1/runs/" + run + "/replay")).get("id").stringValue()).isNotEqualTo(run);
        assertThat(ok(get("/api/v2/batches/" + batchId)).get("runs").size()).isEqualTo(1);
        assertThat(ok(get("/api/v1/batches/" + batchId + "/results")).get("items").size()).isZero();
        completeAll(true);
        assertThat(ok(get("/api/v1/runs/" + run + "/result")).get("ok").booleanValue())
                .as("finished on the writer, still running on the replica").isTrue();
    }

    @Test
    void aStreamedBatchIsListedCompleteRightAfterItsItemsWhileTheReplicaLags() throws Exception {
        MvcResult created = as(post("/api/v3/batches").content("{\"runCount\":2}"));
        assertThat(created.getResponse().getStatus()).isEqualTo(202);
        String batchId = json.readTree(created.getResponse().getContentAsString()).get("id").stringValue();
        // Created before the lag: the replica knows the batch, but not yet its items or that it sealed.
        ReplicaLag.awaitOnReplica(transactions, () -> jdbc.sql("SELECT count(*) FROM task_run_batches WHERE friendly_id = ?")
                .param(batchId).query(Long.class).single() == 1);
        ReplicaLag.behindBy(Duration.ofMillis(1500), jdbc, transactions);
        MvcResult items = mvc.perform(post("/api/v3/batches/" + batchId + "/items")
                .header("Authorization", "Bearer " + env.secretKey()).contentType("application/x-ndjson")
                .content("{\"index\":0,\"task\":\"s\",\"payload\":\"1\"}\n{\"index\":1,\"task\":\"s\",\"payload\":\"2\"}\n"))
                .andReturn();
        assertThat(items.getResponse().getStatus()).as(items.getResponse().getContentAsString()).isEqualTo(200);

        JsonNode batch = ok(get("/api/v2/batches/" + batchId));
        assertThat(batch.get("status").stringValue()).isEqualTo("COMPLETED");
        assertThat(batch.get("runs").size()).isEqualTo(2);
        completeAll(true);
        assertThat(ok(get("/api/v1/batches/" + batchId + "/results")).get("items").size())
                .as("runs that finished a moment ago are listed").isEqualTo(2);
    }

    @Test
    void anotherEnvironmentsRunOrBatchIsTheSame404AsAnUnknownOne() throws Exception {
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        String body = json.writeValueAsString(Map.of("payload", PAYLOAD, "options", Map.of("delay", "1h", "metadata", "{}")));
        String theirRun = json.readTree(call(post("/api/v1/tasks/theirs/trigger").content(body), other).getResponse()
                .getContentAsString()).get("id").stringValue();
        JsonNode theirBatch = json.readTree(call(post("/api/v1/tasks/batch")
                .content("{\"items\":[{\"task\":\"b\",\"payload\":\"1\"}]}"), other).getResponse().getContentAsString());
        String theirBatchId = theirBatch.get("id").stringValue();

        for (String[] pair : List.of(new String[] {theirRun, "run_unknown0000000000000000"},
                new String[] {theirBatchId, "batch_unknown000000000000000"})) {
            List<MockHttpServletRequestBuilder> theirs = requestsFor(pair[0]);
            List<MockHttpServletRequestBuilder> unknown = requestsFor(pair[1]);
            for (int i = 0; i < theirs.size(); i++) {
                MvcResult their = as(theirs.get(i));
                MvcResult none = as(unknown.get(i));
                String uri = their.getRequest().getRequestURI();
                assertThat(their.getResponse().getStatus()).as(uri).isEqualTo(404);
                assertThat(none.getResponse().getStatus()).as(uri).isEqualTo(404);
                assertThat(their.getResponse().getContentAsString().replace(pair[0], "ID")).as(uri)
                        .isEqualTo(none.getResponse().getContentAsString().replace(pair[1], "ID"));
            }
        }
        assertThat(row(theirRun).get("status")).as("their run was not rescheduled or touched").isEqualTo("DELAYED");
    }

    private static List<MockHttpServletRequestBuilder> requestsFor(String id) {
        return id.startsWith("batch_")
                ? List.of(get("/api/v2/batches/" + id), get("/api/v1/batches/" + id + "/results"))
                : List.of(post("/api/v1/runs/" + id + "/replay"),
                        post("/api/v1/runs/" + id + "/reschedule").content("{\"delay\":\"2h\"}"),
                        get("/api/v1/runs/" + id + "/result"), get("/api/v1/runs/" + id + "/metadata"));
    }
}
