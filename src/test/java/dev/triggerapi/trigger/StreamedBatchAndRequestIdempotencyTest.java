package dev.triggerapi.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Duration;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.json.JsonMapper;

@IntegrationTest
class StreamedBatchAndRequestIdempotencyTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    JsonMapper json;

    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
    }

    private String auth() {
        return "Bearer " + env.secretKey();
    }

    private String createBatch(int runCount, String idempotencyKey, boolean expectCached) throws Exception {
        String body = "{\"runCount\":" + runCount + ",\"taskIdentifiers\":[\"a\",\"b\"]"
                + (idempotencyKey == null ? "" : ",\"idempotencyKey\":\"" + idempotencyKey + "\"") + "}";
        String response = mvc.perform(post("/api/v3/batches").header("Authorization", auth())
                        .contentType("application/json").content(body))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.runCount").value(runCount))
                .andExpect(jsonPath("$.isCached").value(expectCached))
                .andReturn().getResponse().getContentAsString();
        return json.readTree(response).get("id").asString();
    }

    private static String item(int index, String task) {
        return "{\"index\":" + index + ",\"task\":\"" + task + "\",\"payload\":\"{\\\"json\\\":{\\\"n\\\":" + index
                + "}}\",\"options\":{\"payloadType\":\"application/super+json\",\"payloadSize\":16}}\n";
    }

    @Test
    void itemsAreDeduplicatedByIndexAndTheBatchSealsWhenComplete() throws Exception {
        Cluster.replicaDelay(Duration.ofMillis(300));
        String batchId = createBatch(3, null, false);
        assertThat(batchId).startsWith("batch_");

        mvc.perform(post("/api/v3/batches/" + batchId + "/items").header("Authorization", auth())
                        .contentType("application/x-ndjson").content(item(0, "a") + item(1, "b")))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.itemsAccepted").value(2))
                .andExpect(jsonPath("$.itemsDeduplicated").value(0))
                .andExpect(jsonPath("$.sealed").value(false));

        mvc.perform(post("/api/v3/batches/" + batchId + "/items").header("Authorization", auth())
                        .contentType("application/x-ndjson").content(item(0, "a") + item(1, "b") + item(2, "a")))
                .andExpect(jsonPath("$.itemsAccepted").value(1))
                .andExpect(jsonPath("$.itemsDeduplicated").value(2))
                .andExpect(jsonPath("$.sealed").value(true));

        Integer runs = jdbc.sql("""
                        SELECT count(*) FROM task_runs r JOIN task_run_batches b ON b.id = r.batch_id
                        WHERE b.friendly_id = ?""").param(batchId).query(Integer.class).single();
        assertThat(runs).isEqualTo(3);
    }

    @Test
    void recreatingASealedBatchWithItsKeyIsCached() throws Exception {
        String first = createBatch(1, "batch-key", false);
        mvc.perform(post("/api/v3/batches/" + first + "/items").header("Authorization", auth())
                        .contentType("application/x-ndjson").content(item(0, "a")))
                .andExpect(jsonPath("$.sealed").value(true));
        assertThat(createBatch(1, "batch-key", true)).isEqualTo(first);
    }

    @Test
    void malformedItemLinesAreA400AndIndexesOutsideTheBatchA422() throws Exception {
        String batchId = createBatch(2, null, false);
        mvc.perform(post("/api/v3/batches/" + batchId + "/items").header("Authorization", auth())
                        .contentType("application/x-ndjson").content(item(0, "a") + "{not json\n"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("Line 2: invalid JSON item"));
        mvc.perform(post("/api/v3/batches/" + batchId + "/items").header("Authorization", auth())
                        .contentType("application/x-ndjson").content(item(5, "a")))
                .andExpect(status().isUnprocessableContent());
        Integer runs = jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(Integer.class).single();
        assertThat(runs).as("nothing persisted for rejected item streams").isZero();
    }

    @Test
    void unknownBatchIsA404() throws Exception {
        mvc.perform(post("/api/v3/batches/batch_nope/items").header("Authorization", auth())
                        .contentType("application/x-ndjson").content(item(0, "a")))
                .andExpect(status().isNotFound());
    }

    @Test
    void aRetriedRequestReturnsTheOriginalRun() throws Exception {
        String first = trigger("req-key-1");
        String retry = trigger("req-key-1");
        String other = trigger("req-key-2");

        assertThat(retry).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        Integer runs = jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(Integer.class).single();
        assertThat(runs).isEqualTo(2);
    }

    @Test
    void requestIdempotencyFailsOpenWhenRedisIsDown() throws Exception {
        Cluster.get().stopRedis();
        try {
            String first = trigger("req-key-down");
            assertThat(first).startsWith("run_");
        } finally {
            Cluster.get().startRedis();
        }
    }

    @Test
    void triggerAndBatchResponsesCarryAServerIssuedPublicTokenScopedToWhatWasCreated() throws Exception {
        var response = mvc.perform(post("/api/v1/tasks/jwt-task/trigger").header("Authorization", auth())
                        .contentType("application/json").content("{\"payload\":{}}"))
                .andExpect(status().isOk()).andReturn().getResponse();
        String runId = json.readTree(response.getContentAsString()).get("id").asString();
        assertThat(claims(response.getHeader("x-trigger-jwt")).get("scopes").get(0).asString())
                .isEqualTo("read:runs:" + runId);
        assertThat(json.readTree(response.getHeader("x-trigger-jwt-claims")).get("sub").asString())
                .isEqualTo(env.environment().id());

        var batch = mvc.perform(post("/api/v3/batches").header("Authorization", auth())
                        .contentType("application/json").content("{\"runCount\":1}"))
                .andExpect(status().isAccepted()).andReturn().getResponse();
        String batchId = json.readTree(batch.getContentAsString()).get("id").asString();
        assertThat(claims(batch.getHeader("x-trigger-jwt")).get("scopes").get(0).asString())
                .isEqualTo("read:batch:" + batchId);
    }

    private tools.jackson.databind.JsonNode claims(String jwt) {
        assertThat(jwt).as("x-trigger-jwt header").isNotNull();
        return json.readTree(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    private String trigger(String requestKey) throws Exception {
        String response = mvc.perform(post("/api/v1/tasks/req-task/trigger").header("Authorization", auth())
                        .header("x-trigger-request-idempotency-key", requestKey)
                        .contentType("application/json").content("{\"payload\":{\"a\":1}}"))
                .andExpect(status().isOk())
                .andReturn().getResponse().getContentAsString();
        return json.readTree(response).get("id").asString();
    }
}
