package dev.triggerapi.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.Map;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

@IntegrationTest
class DeploymentApiTest {

    /** Exactly what the local demo seeder prints. */
    static final String DEMO_BODY = """
            {"version":"1","tasks":[{"slug":"hello-world","queue":{"name":"hello","concurrencyLimit":5}}]}""";

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    StringRedisTemplate redis;

    private ResultActions register(ProvisionedEnvironment env, String body) throws Exception {
        return mvc.perform(post("/api/v1/deployments").header("Authorization", "Bearer " + env.secretKey())
                .contentType(MediaType.APPLICATION_JSON).content(body));
    }

    private ResultActions promote(ProvisionedEnvironment env, String version) throws Exception {
        return mvc.perform(post("/api/v1/deployments/" + version + "/promote")
                .header("Authorization", "Bearer " + env.secretKey()));
    }

    private static String body(String version, String... slugs) {
        StringBuilder tasks = new StringBuilder();
        for (String slug : slugs) {
            if (!tasks.isEmpty()) {
                tasks.append(',');
            }
            tasks.append("{\"slug\":\"").append(slug).append("\",\"ttl\":\"10m\",\"triggerSource\":\"STANDARD\","
                    + "\"queue\":{\"name\":\"q-").append(slug).append("\",\"concurrencyLimit\":5}}");
        }
        return "{\"version\":\"" + version + "\",\"tasks\":[" + tasks + "]}";
    }

    private Map<Object, Object> envHash(ProvisionedEnvironment env) {
        return redis.opsForHash().entries("task-meta:env:" + env.environment().id());
    }

    private String workerId(ProvisionedEnvironment env, String version) {
        return jdbc.sql("SELECT id FROM background_workers WHERE runtime_environment_id = ? AND version = ?")
                .params(env.environment().id(), version).query(String.class).single();
    }

    @Test
    void theDemoSeedersCurlRegistersAWorkerThatIsCurrentInDevelopment() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);

        register(env, DEMO_BODY).andExpect(status().isCreated())
                .andExpect(jsonPath("$.id").value(org.hamcrest.Matchers.startsWith("worker_")))
                .andExpect(jsonPath("$.version").value("1"))
                .andExpect(jsonPath("$.isCurrent").value(true))
                .andExpect(jsonPath("$.alreadyRegistered").value(false));

        var row = jdbc.sql("""
                        SELECT t.slug, t.ttl, t.trigger_source, q.name, q.concurrency_limit
                        FROM background_worker_tasks t JOIN task_queues q ON q.id = t.queue_id
                        WHERE t.runtime_environment_id = ?""")
                .param(env.environment().id()).query().singleRow();
        assertThat(row).containsEntry("slug", "hello-world").containsEntry("trigger_source", "STANDARD")
                .containsEntry("name", "hello").containsEntry("concurrency_limit", 5);
        assertThat(row.get("ttl")).isNull();
        assertThat(jdbc.sql("SELECT count(*) FROM background_worker_queues WHERE worker_id = ?")
                .param(workerId(env, "1")).query(Integer.class).single()).isEqualTo(1);
        assertThat(envHash(env)).containsKey("hello-world")
                .containsEntry("__owner_worker_id", workerId(env, "1"));
    }

    @Test
    void inDevelopmentTheNewestRegisteredWorkerBecomesCurrent() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        register(env, body("1", "old-task")).andExpect(status().isCreated());

        register(env, body("2", "new-task")).andExpect(status().isCreated()).andExpect(jsonPath("$.isCurrent").value(true));

        assertThat(envHash(env)).containsKey("new-task").doesNotContainKey("old-task")
                .containsEntry("__owner_worker_id", workerId(env, "2"));
    }

    @Test
    void outsideDevelopmentRegistrationDoesNotChangeWhatIsCurrentButPromotionDoes() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        register(env, body("1", "a")).andExpect(status().isCreated()).andExpect(jsonPath("$.isCurrent").value(false));
        assertThat(envHash(env)).isEmpty();
        assertThat(redis.opsForHash().entries("task-meta:by-worker:" + workerId(env, "1"))).containsOnlyKeys("a", "__queues");
        assertThat(redis.opsForHash().get("task-meta:versions:" + env.environment().id(), "1"))
                .as("version -> worker cached at registration").isEqualTo(workerId(env, "1"));

        promote(env, "1").andExpect(status().isOk()).andExpect(jsonPath("$.version").value("1"));
        register(env, body("2", "a", "b")).andExpect(status().isCreated()).andExpect(jsonPath("$.isCurrent").value(false));

        assertThat(envHash(env)).containsEntry("__owner_worker_id", workerId(env, "1")).containsKey("a")
                .doesNotContainKey("b");
        assertThat(jdbc.sql("SELECT worker_id FROM worker_deployment_promotions WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(String.class).single()).isEqualTo(workerId(env, "1"));
    }

    @Test
    void promotionReplacesBothHashesAndRollbackGoesBack() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.STAGING);
        register(env, body("1", "a")).andExpect(status().isCreated());
        register(env, body("2", "b")).andExpect(status().isCreated());
        promote(env, "1").andExpect(status().isOk());

        promote(env, "2").andExpect(status().isOk())
                .andExpect(jsonPath("$.workerId").value("worker_" + workerId(env, "2")));
        assertThat(envHash(env)).containsOnlyKeys("__owner_worker_id", "__generation", "b");
        assertThat(redis.opsForHash().entries("task-meta:by-worker:" + workerId(env, "2"))).containsOnlyKeys("b", "__queues");

        promote(env, "1").andExpect(status().isOk());
        assertThat(envHash(env)).containsOnlyKeys("__owner_worker_id", "__generation", "a")
                .containsEntry("__owner_worker_id", workerId(env, "1"));
    }

    @Test
    void reRegisteringTheSameVersionWithTheSameTasksIsIdempotent() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        String first = register(env, body("1", "a", "b")).andExpect(status().isCreated())
                .andReturn().getResponse().getContentAsString();

        register(env, body("1", "b", "a")).andExpect(status().isOk())
                .andExpect(jsonPath("$.alreadyRegistered").value(true))
                .andExpect(jsonPath("$.id").value(com.jayway.jsonpath.JsonPath.<String>read(first, "$.id")));

        assertThat(jdbc.sql("SELECT count(*) FROM background_workers WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(Integer.class).single()).isEqualTo(1);
    }

    @Test
    void reRegisteringTheSameVersionWithDifferentTasksIsAConflictTheSdkWillNotRetry() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        register(env, body("1", "a")).andExpect(status().isCreated());

        register(env, body("1", "a", "b")).andExpect(status().isConflict())
                .andExpect(header().string("x-should-retry", "false"))
                .andExpect(jsonPath("$.error").value(
                        "Version '1' is already registered with different tasks; register the change as a new version."));
    }

    @Test
    void promotingAnUnknownVersionIsA404() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        promote(env, "9").andExpect(status().isNotFound())
                .andExpect(jsonPath("$.error").value("No deployment with version '9' in this environment."));
    }

    @Test
    void developmentHasNoPromotionStep() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        register(env, body("1", "a")).andExpect(status().isCreated());
        promote(env, "1").andExpect(status().isUnprocessableContent());
    }

    @Test
    void invalidRegistrationsAreReadable400s() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        register(env, "{\"tasks\":[]}").andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value(org.hamcrest.Matchers.containsString("version")));
        register(env, "{\"version\":\"1\",\"tasks\":[{\"slug\":\"a\",\"ttl\":\"soon\"}]}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("tasks[0].ttl: expected a duration like 10m or 1h30m, or a number of seconds"));
        register(env, "{\"version\":\"1\",\"tasks\":[{\"slug\":\"a\",\"triggerSource\":\"SOMETIMES\"}]}")
                .andExpect(status().isBadRequest());
        register(env, "{\"version\":\"1\",\"tasks\":[{\"slug\":\"a\"},{\"slug\":\"a\"}]}")
                .andExpect(status().isBadRequest());
        register(env, "{\"version\":\"1\",\"tasks\":[{\"slug\":\"__owner_worker_id\"}]}")
                .andExpect(status().isBadRequest());
        mvc.perform(post("/api/v1/deployments").contentType(MediaType.APPLICATION_JSON).content(DEMO_BODY))
                .andExpect(status().isUnauthorized());
    }

    @Test
    void aTaskWithoutAQueueGetsItsOwnTaskQueue() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        register(env, "{\"version\":\"1\",\"tasks\":[{\"slug\":\"plain\",\"ttl\":600}]}").andExpect(status().isCreated());

        var row = jdbc.sql("""
                        SELECT t.ttl, q.name, q.concurrency_limit FROM background_worker_tasks t
                        JOIN task_queues q ON q.id = t.queue_id WHERE t.runtime_environment_id = ?""")
                .param(env.environment().id()).query().singleRow();
        assertThat(row).containsEntry("ttl", "600").containsEntry("name", "task/plain");
        assertThat(row.get("concurrency_limit")).isNull();
    }
}
