package dev.triggerapi.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * The environment's cached current-worker view after it was lost (Redis restarted empty, the key evicted or
 * expired) while the replica is 2 s behind a promotion, a rollback or a DEVELOPMENT registration: a lagging
 * replica answers with the <em>previous</em> current worker's row, and that answer must neither route the
 * trigger nor end up in the environment hash. The near cache is off: these tests lose the Redis view behind its back
 * and check the Redis hash itself (a real Redis restart also empties every near cache, see NearTaskMetadataCacheTest).
 */
@IntegrationTest
@TestPropertySource(properties = "trigger-api.task-meta-cache.near.enabled=false")
class CurrentWorkerViewTest {

    private static final Duration REPLICA_BEHIND = Duration.ofSeconds(2);

    @Autowired
    MockMvc mvc;
    @Autowired
    JsonMapper json;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    StringRedisTemplate redis;

    @Test
    void promotionWithTheViewLostTriggersTheNewVersionImmediatelyAndAfterTheReplicaCaughtUp() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        register(env, "a", "10m");
        promote(env, "a");
        register(env, "b", "20m");
        awaitCurrentOnReplica(env, "a");
        ReplicaLag.behindBy(REPLICA_BEHIND, jdbc, transactions);

        promote(env, "b");
        loseTheView(env);

        assertEveryTriggerUses(env, "b", "20m");
        awaitCurrentOnReplica(env, "b");
        assertEveryTriggerUses(env, "b", "20m");
        loseTheView(env);
        assertEveryTriggerUses(env, "b", "20m");
    }

    @Test
    void rollbackWithTheViewLostTriggersThePreviousVersionImmediatelyAndAfterTheReplicaCaughtUp() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.STAGING);
        register(env, "a", "10m");
        register(env, "b", "20m");
        promote(env, "a");
        promote(env, "b");
        awaitCurrentOnReplica(env, "b");
        ReplicaLag.behindBy(REPLICA_BEHIND, jdbc, transactions);

        promote(env, "a");
        loseTheView(env);

        assertEveryTriggerUses(env, "a", "10m");
        awaitCurrentOnReplica(env, "a");
        assertEveryTriggerUses(env, "a", "10m");
    }

    @Test
    void developmentRegistrationWithTheViewLostTriggersTheNewestWorkerImmediatelyAndAfterTheReplicaCaughtUp()
            throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        register(env, "x1", "10m");
        awaitWorkerOnReplica(env, "x1");
        ReplicaLag.behindBy(REPLICA_BEHIND, jdbc, transactions);

        register(env, "x2", "20m");
        loseTheView(env);

        assertEveryTriggerUses(env, "x2", "20m");
        awaitWorkerOnReplica(env, "x2");
        assertEveryTriggerUses(env, "x2", "20m");
    }

    /** Three concurrent triggers and one more after them: every run on the version's queue and ttl. */
    private void assertEveryTriggerUses(ProvisionedEnvironment env, String version, String ttl) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            List<Callable<String>> triggers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                triggers.add(() -> trigger(env));
            }
            List<String> runs = new ArrayList<>();
            for (Future<String> run : threads.invokeAll(triggers)) {
                runs.add(run.get());
            }
            runs.add(trigger(env));
            for (String run : runs) {
                assertThat(jdbc.sql("SELECT queue || ' ' || ttl FROM task_runs WHERE friendly_id = ?").param(run)
                        .query(String.class).single()).as("run %s", run).isEqualTo("q-" + version + " " + ttl);
            }
        } finally {
            threads.shutdownNow();
        }
        String owner = (String) redis.opsForHash().get(envKey(env), "__owner_worker_id");
        assertThat(owner).as("the environment hash names the current worker").isEqualTo(workerId(env, version));
    }

    private String trigger(ProvisionedEnvironment env) throws Exception {
        MockHttpServletResponse response = call(post("/api/v1/tasks/tx/trigger").content("{\"payload\":{}}"), env);
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
        return json.readTree(response.getContentAsString()).get("id").asString();
    }

    private void register(ProvisionedEnvironment env, String version, String ttl) throws Exception {
        MockHttpServletResponse response = call(post("/api/v1/deployments").content("{\"version\":\"" + version
                + "\",\"tasks\":[{\"slug\":\"tx\",\"ttl\":\"" + ttl + "\",\"queue\":{\"name\":\"q-" + version
                + "\"}}]}"), env);
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(201);
    }

    private void promote(ProvisionedEnvironment env, String version) throws Exception {
        MockHttpServletResponse response = call(post("/api/v1/deployments/" + version + "/promote"), env);
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
    }

    /** Stands for Redis restarting empty, an eviction, or the safety TTL running out. */
    private void loseTheView(ProvisionedEnvironment env) {
        redis.delete(envKey(env));
    }

    private MockHttpServletResponse call(MockHttpServletRequestBuilder request, ProvisionedEnvironment env)
            throws Exception {
        return mvc.perform(request.header("Authorization", "Bearer " + env.secretKey())
                .contentType(MediaType.APPLICATION_JSON)).andReturn().getResponse();
    }

    private void awaitCurrentOnReplica(ProvisionedEnvironment env, String version) {
        String worker = workerId(env, version);
        ReplicaLag.awaitOnReplica(transactions, () -> jdbc.sql(
                        "SELECT EXISTS (SELECT 1 FROM worker_deployment_promotions WHERE runtime_environment_id = ? AND worker_id = ?)")
                .params(env.environment().id(), worker).query(Boolean.class).single());
    }

    private void awaitWorkerOnReplica(ProvisionedEnvironment env, String version) {
        String worker = workerId(env, version);
        ReplicaLag.awaitOnReplica(transactions, () -> jdbc.sql(
                        "SELECT EXISTS (SELECT 1 FROM background_worker_tasks WHERE worker_id = ?)")
                .param(worker).query(Boolean.class).single());
    }

    private String workerId(ProvisionedEnvironment env, String version) {
        return jdbc.sql("SELECT id FROM background_workers WHERE runtime_environment_id = ? AND version = ?")
                .params(env.environment().id(), version).query(String.class).single();
    }

    private static String envKey(ProvisionedEnvironment env) {
        return "task-meta:env:" + env.environment().id();
    }
}
