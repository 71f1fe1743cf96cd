package dev.triggerapi.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Instant;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.triggerapi.support.ReplicaLag;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@IntegrationTest
class ScheduleApiTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JsonMapper json;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;

    private ProvisionedEnvironment env;

    @BeforeEach
    void environment() {
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
    }

    private ResultActions call(ProvisionedEnvironment as, MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request.header("Authorization", "Bearer " + as.secretKey()));
    }

    private ResultActions create(String body) throws Exception {
        return call(env, post("/api/v1/schedules").contentType(MediaType.APPLICATION_JSON).content(body));
    }

    private JsonNode body(ResultActions result) throws Exception {
        return json.readTree(result.andReturn().getResponse().getContentAsString());
    }

    @Test
    void createReturnsTheScheduleObjectTheSdkExpects() throws Exception {
        JsonNode created = body(create("""
                {"task":"daily-report","cron":"0 9 * * 1-5","timezone":"Europe/London","externalId":"user_1",
                 "deduplicationKey":"user_1-report"}""")
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.type").value("IMPERATIVE"))
                .andExpect(jsonPath("$.task").value("daily-report"))
                .andExpect(jsonPath("$.active").value(true))
                .andExpect(jsonPath("$.deduplicationKey").value("user_1-report"))
                .andExpect(jsonPath("$.externalId").value("user_1"))
                .andExpect(jsonPath("$.generator.type").value("CRON"))
                .andExpect(jsonPath("$.generator.expression").value("0 9 * * 1-5"))
                .andExpect(jsonPath("$.timezone").value("Europe/London"))
                .andExpect(jsonPath("$.environments[0].id").value(env.environment().id()))
                .andExpect(jsonPath("$.environments[0].type").value("PRODUCTION")));
        assertThat(created.get("id").asString()).startsWith("sched_");
        assertThat(created.get("generator").get("description").asString()).isNotBlank();
        Instant next = Instant.parse(created.get("nextRun").asString());
        assertThat(next).isAfter(Instant.now().minusSeconds(5));
    }

    @Test
    void aSecondCreateWithTheSameDeduplicationKeyUpdatesTheFirstSchedule() throws Exception {
        String first = body(create("""
                {"task":"t","cron":"0 * * * *","deduplicationKey":"k"}""")).get("id").asString();
        String second = body(create("""
                {"task":"t2","cron":"*/5 * * * *","deduplicationKey":"k","timezone":"Asia/Tokyo"}""")
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.task").value("t2"))
                .andExpect(jsonPath("$.generator.expression").value("*/5 * * * *"))
                .andExpect(jsonPath("$.timezone").value("Asia/Tokyo"))).get("id").asString();
        assertThat(second).isEqualTo(first);
        ReplicaLag.awaitCaughtUp(jdbc, transactions); // the list reads the replica
        call(env, get("/api/v1/schedules")).andExpect(jsonPath("$.pagination.count").value(1));
    }

    @Test
    void listPagesThroughTheEnvironmentsSchedulesOnly() throws Exception {
        for (int i = 0; i < 3; i++) {
            create("{\"task\":\"t\",\"cron\":\"0 * * * *\",\"deduplicationKey\":\"k" + i + "\"}")
                    .andExpect(status().isOk());
        }
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        call(other, post("/api/v1/schedules").contentType(MediaType.APPLICATION_JSON)
                .content("{\"task\":\"t\",\"cron\":\"0 * * * *\",\"deduplicationKey\":\"k0\"}"))
                .andExpect(status().isOk());
        ReplicaLag.awaitCaughtUp(jdbc, transactions); // the list reads the replica

        call(env, get("/api/v1/schedules?page=1&perPage=2"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.data.length()").value(2))
                .andExpect(jsonPath("$.data[0].deduplicationKey").value("k0"))
                .andExpect(jsonPath("$.pagination.currentPage").value(1))
                .andExpect(jsonPath("$.pagination.totalPages").value(2))
                .andExpect(jsonPath("$.pagination.count").value(3));
        call(env, get("/api/v1/schedules?page=2&perPage=2"))
                .andExpect(jsonPath("$.data.length()").value(1))
                .andExpect(jsonPath("$.data[0].deduplicationKey").value("k2"))
                .andExpect(jsonPath("$.pagination.currentPage").value(2));
    }

    @Test
    void retrieveUpdateDeactivateActivateAndDelete() throws Exception {
        String id = body(create("""
                {"task":"t","cron":"0 * * * *","deduplicationKey":"k"}""")).get("id").asString();
        call(env, get("/api/v1/schedules/" + id)).andExpect(status().isOk())
                .andExpect(jsonPath("$.id").value(id));

        call(env, put("/api/v1/schedules/" + id).contentType(MediaType.APPLICATION_JSON)
                .content("{\"task\":\"t3\",\"cron\":\"30 2 * * *\",\"timezone\":\"America/New_York\"}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.task").value("t3"))
                .andExpect(jsonPath("$.generator.expression").value("30 2 * * *"))
                .andExpect(jsonPath("$.timezone").value("America/New_York"))
                .andExpect(jsonPath("$.deduplicationKey").value("k"))
                .andExpect(jsonPath("$.externalId").doesNotExist());

        call(env, post("/api/v1/schedules/" + id + "/deactivate")).andExpect(status().isOk())
                .andExpect(jsonPath("$.active").value(false))
                .andExpect(jsonPath("$.nextRun").doesNotExist());
        call(env, post("/api/v1/schedules/" + id + "/activate")).andExpect(status().isOk())
                .andExpect(jsonPath("$.active").value(true))
                .andExpect(jsonPath("$.nextRun").exists());

        call(env, delete("/api/v1/schedules/" + id)).andExpect(status().isOk())
                .andExpect(jsonPath("$.id").value(id));
        // Retrieve is a replica read: a deleted schedule can show until the replica applies the delete.
        ReplicaLag.awaitCaughtUp(jdbc, transactions);
        call(env, get("/api/v1/schedules/" + id)).andExpect(status().isNotFound())
                .andExpect(jsonPath("$.error").value("Schedule '" + id + "' not found in this environment."));
    }

    @Test
    void anotherEnvironmentCannotSeeOrChangeTheSchedule() throws Exception {
        String id = body(create("""
                {"task":"t","cron":"0 * * * *","deduplicationKey":"k"}""")).get("id").asString();
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        call(other, get("/api/v1/schedules/" + id)).andExpect(status().isNotFound());
        call(other, post("/api/v1/schedules/" + id + "/deactivate")).andExpect(status().isNotFound());
        call(other, delete("/api/v1/schedules/" + id)).andExpect(status().isNotFound());
        call(env, get("/api/v1/schedules/" + id)).andExpect(jsonPath("$.active").value(true));
    }

    @Test
    void invalidCronExpressionsAndTimezonesAreUnprocessableWithAClearMessage() throws Exception {
        create("""
                {"task":"t","cron":"61 * * * *","deduplicationKey":"k"}""")
                .andExpect(status().isUnprocessableEntity())
                .andExpect(jsonPath("$.error").value(org.hamcrest.Matchers.startsWith(
                        "Invalid cron expression '61 * * * *': ")));
        create("""
                {"task":"t","cron":"0 0 * * * *","deduplicationKey":"k"}""")
                .andExpect(status().isUnprocessableEntity())
                .andExpect(jsonPath("$.error").value(org.hamcrest.Matchers.containsString("expected 5 fields")));
        create("""
                {"task":"t","cron":"0 * * * *","timezone":"Europe/Atlantis","deduplicationKey":"k"}""")
                .andExpect(status().isUnprocessableEntity())
                .andExpect(jsonPath("$.error").value(org.hamcrest.Matchers.startsWith(
                        "Invalid timezone 'Europe/Atlantis': expected an IANA timezone name")));
        create("""
                {"task":"t","cron":"0 * * * *"}""")
                .andExpect(status().isUnprocessableEntity())
                .andExpect(jsonPath("$.error").value(org.hamcrest.Matchers.startsWith("deduplicationKey is required")));
        create("""
                {"task":"t","deduplicationKey":"k"}""")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").exists());
        call(env, get("/api/v1/schedules")).andExpect(jsonPath("$.pagination.count").value(0));
    }

    @Test
    void updatingWithAnInvalidCronLeavesTheScheduleUnchanged() throws Exception {
        String id = body(create("""
                {"task":"t","cron":"0 * * * *","deduplicationKey":"k"}""")).get("id").asString();
        call(env, put("/api/v1/schedules/" + id).contentType(MediaType.APPLICATION_JSON)
                .content("{\"task\":\"t\",\"cron\":\"0 25 * * *\"}"))
                .andExpect(status().isUnprocessableEntity());
        call(env, get("/api/v1/schedules/" + id)).andExpect(jsonPath("$.generator.expression").value("0 * * * *"));
    }
}
