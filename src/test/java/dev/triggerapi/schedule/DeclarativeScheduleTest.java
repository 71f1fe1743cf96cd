package dev.triggerapi.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import dev.triggerapi.support.ReplicaLag;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Schedules declared by worker versions follow the environment's current version. */
@IntegrationTest
class DeclarativeScheduleTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    JsonMapper json;

    private ResultActions call(ProvisionedEnvironment env, MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request.header("Authorization", "Bearer " + env.secretKey()));
    }

    private ResultActions register(ProvisionedEnvironment env, String body) throws Exception {
        return call(env, post("/api/v1/deployments").contentType(MediaType.APPLICATION_JSON).content(body));
    }

    private ResultActions promote(ProvisionedEnvironment env, String version) throws Exception {
        return call(env, post("/api/v1/deployments/" + version + "/promote"));
    }

    /** task → cron of the environment's schedules, as the API lists them (a replica read: once it has the writes). */
    private Map<String, String> schedules(ProvisionedEnvironment env) throws Exception {
        ReplicaLag.awaitCaughtUp(jdbc, transactions);
        JsonNode page = json.readTree(call(env, get("/api/v1/schedules?perPage=100")).andReturn().getResponse()
                .getContentAsString());
        Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode schedule : page.get("data")) {
            assertThat(schedule.get("type").asString()).isEqualTo("DECLARATIVE");
            assertThat(schedule.has("deduplicationKey")).isFalse();
            out.put(schedule.get("task").asString(), schedule.get("generator").get("expression").asString()
                    + " " + schedule.get("timezone").asString());
        }
        return out;
    }

    private static final String V1 = """
            {"version":"1","tasks":[
              {"slug":"hourly","schedule":{"cron":"0 * * * *"}},
              {"slug":"staging-only","schedule":{"cron":"*/5 * * * *","environments":["STAGING"]}},
              {"slug":"nightly","schedule":{"cron":"0 2 * * *","timezone":"Europe/Paris","environments":["PRODUCTION"]}},
              {"slug":"plain"}]}""";

    private static final String V2 = """
            {"version":"2","tasks":[
              {"slug":"nightly","schedule":{"cron":"0 3 * * *","timezone":"Europe/Paris"}},
              {"slug":"plain","schedule":{"cron":"15 * * * *"}}]}""";

    @Test
    void promotionReplacesTheEnvironmentsDeclarativeSchedules() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        register(env, V1).andExpect(status().isCreated());
        assertThat(schedules(env)).as("registration alone changes nothing outside DEVELOPMENT").isEmpty();

        promote(env, "1").andExpect(status().isOk());
        assertThat(schedules(env)).isEqualTo(Map.of("hourly", "0 * * * * UTC", "nightly", "0 2 * * * Europe/Paris"));
        assertThat(triggerSources(env, "1")).containsEntry("hourly", "SCHEDULED").containsEntry("plain", "STANDARD");

        register(env, V2).andExpect(status().isCreated());
        promote(env, "2").andExpect(status().isOk());
        assertThat(schedules(env)).as("the dropped task loses its schedule")
                .isEqualTo(Map.of("nightly", "0 3 * * * Europe/Paris", "plain", "15 * * * * UTC"));

        promote(env, "1").andExpect(status().isOk());
        assertThat(schedules(env)).isEqualTo(Map.of("hourly", "0 * * * * UTC", "nightly", "0 2 * * * Europe/Paris"));
    }

    @Test
    void anUnchangedScheduleKeepsItsIdAndNextInstantAcrossPromotions() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.STAGING);
        register(env, V1).andExpect(status().isCreated());
        promote(env, "1").andExpect(status().isOk());
        String before = scheduleRow(env, "hourly");
        register(env, V1.replace("\"version\":\"1\"", "\"version\":\"1b\"")).andExpect(status().isCreated());
        promote(env, "1b").andExpect(status().isOk());
        assertThat(scheduleRow(env, "hourly")).isEqualTo(before);
        assertThat(schedules(env)).containsOnlyKeys("hourly", "staging-only");
    }

    private String scheduleRow(ProvisionedEnvironment env, String task) {
        return jdbc.sql("SELECT friendly_id || ' ' || next_run_at FROM task_schedules "
                        + "WHERE runtime_environment_id = ? AND task_identifier = ?")
                .params(env.environment().id(), task).query(String.class).single();
    }

    @Test
    void aNewDevelopmentVersionReplacesTheSchedulesAtRegistration() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        register(env, V1).andExpect(status().isCreated());
        // The list is a replica read: wait until it has the registration (a caught-up replica still answered an
        // empty list once in a full run; see the session note).
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(schedules(env)).containsOnlyKeys("hourly"));
        register(env, V2).andExpect(status().isCreated());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(schedules(env)).isEqualTo(Map.of("nightly", "0 3 * * * Europe/Paris", "plain",
                        "15 * * * * UTC")));
    }

    @Test
    void declarativeSchedulesCannotBeUpdatedOrDeletedThroughTheApi() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        register(env, V1).andExpect(status().isCreated());
        String id = jdbc.sql("SELECT friendly_id FROM task_schedules WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(String.class).single();
        call(env, delete("/api/v1/schedules/" + id)).andExpect(status().isUnprocessableEntity())
                .andExpect(jsonPath("$.error").value(Matchers.containsString("declared by the task's worker version")));
        call(env, put("/api/v1/schedules/" + id).contentType(MediaType.APPLICATION_JSON)
                .content("{\"task\":\"hourly\",\"cron\":\"5 * * * *\"}")).andExpect(status().isUnprocessableEntity());
        assertThat(schedules(env)).containsEntry("hourly", "0 * * * * UTC");
    }

    @Test
    void anInvalidDeclaredScheduleRejectsTheRegistration() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        register(env, """
                {"version":"1","tasks":[{"slug":"a"},{"slug":"b","schedule":{"cron":"0 0 * *"}}]}""")
                .andExpect(status().isUnprocessableEntity())
                .andExpect(jsonPath("$.error").value(Matchers.startsWith("tasks[1].schedule: Invalid cron expression")));
        register(env, """
                {"version":"1","tasks":[{"slug":"b","schedule":{"cron":"0 0 * * *","timezone":"Moon/Base"}}]}""")
                .andExpect(status().isUnprocessableEntity())
                .andExpect(jsonPath("$.error").value(Matchers.startsWith("tasks[0].schedule: Invalid timezone")));
        assertThat(schedules(env)).isEmpty();
    }

    @Test
    void reRegisteringAVersionWithADifferentScheduleIsAConflict() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        register(env, V1).andExpect(status().isCreated());
        register(env, V1).andExpect(status().isOk());
        register(env, V1.replace("0 * * * *", "5 * * * *")).andExpect(status().isConflict());
    }

    private Map<String, String> triggerSources(ProvisionedEnvironment env, String version) {
        List<Map.Entry<String, String>> rows = jdbc.sql("""
                        SELECT t.slug, t.trigger_source FROM background_worker_tasks t
                        JOIN background_workers w ON w.id = t.worker_id
                        WHERE w.runtime_environment_id = ? AND w.version = ?""")
                .params(env.environment().id(), version)
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getString(2))).list();
        return rows.stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
