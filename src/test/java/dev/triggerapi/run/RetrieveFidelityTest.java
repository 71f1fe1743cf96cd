package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.nio.charset.StandardCharsets;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/v3/runs/{id}} answers what the SDK's other calls returned (issue #20): the batch id is the
 * {@code batch_...} id the batch trigger answered, and a version-locked run names its version.
 */
@IntegrationTest
class RetrieveFidelityTest {

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
    void setUp() throws Exception {
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        for (String version : new String[] {"20250101.1", "20250102.1"}) {
            mvc.perform(post("/api/v1/deployments").header("Authorization", auth()).contentType(MediaType.APPLICATION_JSON)
                            .content("{\"version\":\"" + version + "\",\"tasks\":[{\"slug\":\"hello\"}]}"))
                    .andExpect(status().isCreated());
        }
        mvc.perform(post("/api/v1/deployments/20250102.1/promote").header("Authorization", auth()))
                .andExpect(status().isOk());
    }

    @Test
    void aStreamedBatchRunsBatchIdIsTheBatchIdTheSdkGotBack() throws Exception {
        JsonNode batch = body(mvc.perform(post("/api/v3/batches").header("Authorization", auth())
                .contentType(MediaType.APPLICATION_JSON).content("{\"runCount\":1}")).andExpect(status().isAccepted()));
        String batchId = batch.get("id").stringValue();
        mvc.perform(post("/api/v3/batches/" + batchId + "/items").header("Authorization", auth())
                        .contentType("application/x-ndjson")
                        .content("{\"index\":0,\"task\":\"hello\",\"payload\":\"{}\"}\n".getBytes(StandardCharsets.UTF_8)))
                .andExpect(status().isOk());
        String runId = jdbc.sql("""
                        SELECT r.friendly_id FROM task_runs r JOIN task_run_batches b ON b.id = r.batch_id
                        WHERE b.friendly_id = ?""").param(batchId).query(String.class).single();

        mvc.perform(get("/api/v3/runs/" + runId).header("Authorization", auth()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.batchId").value(batchId))
                .andExpect(jsonPath("$.triggerFunction").value("batchTrigger"));
    }

    @Test
    void aBatchTriggerRunsBatchIdIsTheBatchIdTheResponseNamed() throws Exception {
        JsonNode batch = body(mvc.perform(post("/api/v1/tasks/batch").header("Authorization", auth())
                .contentType(MediaType.APPLICATION_JSON).content("{\"items\":[{\"task\":\"hello\",\"payload\":{}}]}"))
                .andExpect(status().isOk()));

        mvc.perform(get("/api/v3/runs/" + batch.at("/runs/0/id").stringValue()).header("Authorization", auth()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.batchId").value(batch.get("id").stringValue()));
        assertThat(batch.get("id").stringValue()).startsWith("batch_");
    }

    @Test
    void aRunLockedToAVersionNamesThatVersion() throws Exception {
        String locked = body(mvc.perform(post("/api/v1/tasks/hello/trigger").header("Authorization", auth())
                .contentType(MediaType.APPLICATION_JSON).content("{\"payload\":{},\"options\":{\"lockToVersion\":\"20250101.1\"}}"))
                .andExpect(status().isOk())).get("id").stringValue();

        mvc.perform(get("/api/v3/runs/" + locked).header("Authorization", auth()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.version").value("20250101.1"));
    }

    @Test
    void anUnlockedRunThatNoWorkerHasTakenHasNoVersionField() throws Exception {
        String run = body(mvc.perform(post("/api/v1/tasks/hello/trigger").header("Authorization", auth())
                .contentType(MediaType.APPLICATION_JSON).content("{\"payload\":{}}")).andExpect(status().isOk()))
                .get("id").stringValue();

        mvc.perform(get("/api/v3/runs/" + run).header("Authorization", auth()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.version").doesNotExist());
    }

    private JsonNode body(org.springframework.test.web.servlet.ResultActions result) throws Exception {
        return json.readTree(result.andReturn().getResponse().getContentAsString());
    }

    private String auth() {
        return "Bearer " + env.secretKey();
    }
}
