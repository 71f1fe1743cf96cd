package dev.triggerapi.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.TestData;
import dev.triggerapi.support.WriterConnections;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * Version-locked triggers to a known version read no database: version → worker, the worker's task and its
 * queue set are immutable once registered and come from the cache. Writer connections are counted with a
 * counting wrapper around the writer pool ({@link WriterConnections}); a trigger's own run insert is its one
 * writer connection.
 */
@IntegrationTest
class LockedTriggerDatabaseReadsTest {

    private static final int TRIGGERS = 200;

    @Autowired
    MockMvc mvc;
    @Autowired
    JsonMapper json;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    DataSource dataSource;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    StringRedisTemplate redis;
    @Autowired
    MeterRegistry meters;
    @Autowired
    QueueResolver resolver;

    @Test
    void lockedTriggersToACachedVersionTakeNoWriterConnectionToResolve() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        register(env, "1", "t", "q-main", "u", "q-other");
        resolveLocked(env, "t", null); // back-fills nothing that registration did not already cache
        double writerReads = resolveDbReads("writer");

        try (WriterConnections writer = WriterConnections.count(dataSource)) {
            for (int i = 0; i < TRIGGERS; i++) {
                ResolvedQueue queue = resolveLocked(env, "t", i % 2 == 0 ? null : "q-other");
                assertThat(queue.queueName()).isEqualTo(i % 2 == 0 ? "q-main" : "q-other");
                assertThat(queue.lockedQueueId()).isNotNull();
            }
            assertThat(writer.taken()).as("writer connections for %d locked resolves", TRIGGERS).isZero();
        }
        assertThat(resolveDbReads("writer")).isEqualTo(writerReads);
    }

    @Test
    void twoHundredLockedHttpTriggersTakeOnlyTheirRunInsertsWriterConnections() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        register(env, "1", "t", "q-main");
        MockHttpServletResponse promoted = mvc.perform(post("/api/v1/deployments/1/promote")
                .header("Authorization", "Bearer " + env.secretKey())).andReturn().getResponse();
        assertThat(promoted.getStatus()).isEqualTo(200);
        trigger(env, "{}");
        int perCurrentTrigger;
        try (WriterConnections writer = WriterConnections.count(dataSource)) {
            trigger(env, "{}"); // current version, warm cache: resolving reads nothing, the run insert writes
            perCurrentTrigger = writer.taken();
        }
        assertThat(perCurrentTrigger).as("the run insert").isPositive();
        double writerReads = resolveDbReads("writer");
        double replicaReads = resolveDbReads("replica");

        try (WriterConnections writer = WriterConnections.count(dataSource)) {
            for (int i = 0; i < TRIGGERS; i++) {
                trigger(env, i % 2 == 0 ? "{\"lockToVersion\":\"1\"}"
                        : "{\"lockToVersion\":\"1\",\"queue\":{\"name\":\"q-main\"}}");
            }
            assertThat(writer.taken()).isEqualTo(TRIGGERS * perCurrentTrigger);
        }
        assertThat(resolveDbReads("writer")).as("writer reads to resolve").isEqualTo(writerReads);
        assertThat(resolveDbReads("replica")).as("replica reads to resolve").isEqualTo(replicaReads);
    }

    @Test
    void aVersionRegisteredAMomentAgoWithTheReplicaTwoSecondsBehindTriggersAtOnceFromTheWriterThenFromTheCache()
            throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        ReplicaLag.behindBy(Duration.ofSeconds(2), jdbc, transactions);
        register(env, "fresh", "t", "q-fresh");
        String worker = workerId(env, "fresh");
        // Redis lost what registration cached: the database path, with the replica not having the version yet.
        redis.delete(List.of("task-meta:versions:" + env.environment().id(), "task-meta:by-worker:" + worker));
        double versionFromWriter = dbReads("version_worker", "writer");
        double queuesFromWriter = dbReads("worker_queues", "writer");

        assertThat(queueOf(trigger(env, "{\"lockToVersion\":\"fresh\",\"queue\":{\"name\":\"q-fresh\"}}")))
                .isEqualTo("q-fresh");
        assertThat(queueOf(trigger(env, "{\"lockToVersion\":\"fresh\"}"))).isEqualTo("q-fresh");

        assertThat(dbReads("version_worker", "writer")).isEqualTo(versionFromWriter + 1);
        assertThat(dbReads("worker_queues", "writer")).as("the replica had no queue set yet: the writer did")
                .isEqualTo(queuesFromWriter + 1);
        assertThat(redis.opsForHash().get("task-meta:versions:" + env.environment().id(), "fresh")).isEqualTo(worker);
        assertThat(redis.opsForHash().entries("task-meta:by-worker:" + worker)).containsKeys("t", "__queues");
        try (WriterConnections writer = WriterConnections.count(dataSource)) {
            assertThat(resolveLocked(env, "fresh", "t", "q-fresh").queueName()).isEqualTo("q-fresh");
            assertThat(writer.taken()).as("cached now").isZero();
        }
    }

    @Test
    void unknownVersionTaskAndQueueAreTheExact422sAndAnUnknownVersionIsNeverCached() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        register(env, "1", "t", "q-main");

        assertUnprocessable(env, "{\"lockToVersion\":\"2\"}",
                "Task locked to version '2', but no worker found with that version.");
        assertUnprocessable(env, "{\"lockToVersion\":\"1\",\"queue\":{\"name\":\"q-missing\"}}",
                "Specified queue 'q-missing' not found or not associated with locked version '1'.");
        MockHttpServletResponse unknownTask = mvc.perform(post("/api/v1/tasks/nope/trigger")
                .header("Authorization", "Bearer " + env.secretKey()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"payload\":{},\"options\":{\"lockToVersion\":\"1\"}}")).andReturn().getResponse();
        assertThat(unknownTask.getStatus()).isEqualTo(422);
        assertThat(json.readTree(unknownTask.getContentAsString()).get("error").asString())
                .isEqualTo("Task 'nope' not found on locked version '1'.");
        assertThat(redis.opsForHash().hasKey("task-meta:versions:" + env.environment().id(), "2")).isFalse();

        register(env, "2", "t", "q-two");
        assertThat(queueOf(trigger(env, "{\"lockToVersion\":\"2\"}"))).isEqualTo("q-two");
    }

    @Test
    void theSameVersionInAnotherEnvironmentIsAnotherWorkerWithOtherQueues() throws Exception {
        ProvisionedEnvironment a = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        ProvisionedEnvironment b = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        register(a, "1", "t", "q-a");
        register(b, "1", "t", "q-b");

        assertThat(queueOf(trigger(a, "{\"lockToVersion\":\"1\"}"))).isEqualTo("q-a");
        assertThat(queueOf(trigger(b, "{\"lockToVersion\":\"1\"}"))).isEqualTo("q-b");
        assertUnprocessable(b, "{\"lockToVersion\":\"1\",\"queue\":{\"name\":\"q-a\"}}",
                "Specified queue 'q-a' not found or not associated with locked version '1'.");
        assertThat(jdbc.sql("SELECT locked_to_worker_id FROM task_runs WHERE friendly_id = ?")
                .param(trigger(b, "{\"lockToVersion\":\"1\"}")).query(String.class).single()).isEqualTo(workerId(b, "1"));
    }

    private ResolvedQueue resolveLocked(ProvisionedEnvironment env, String task, String queue) {
        return resolveLocked(env, "1", task, queue);
    }

    private ResolvedQueue resolveLocked(ProvisionedEnvironment env, String version, String task, String queue) {
        return resolver.resolve(env.environment(), new QueueRequest(task, queue, version, null));
    }

    /** Registers {@code version} with tasks given as slug, queue name, slug, queue name, ... */
    private void register(ProvisionedEnvironment env, String version, String... slugsAndQueues) throws Exception {
        StringBuilder tasks = new StringBuilder();
        for (int i = 0; i < slugsAndQueues.length; i += 2) {
            tasks.append(i == 0 ? "" : ",").append("{\"slug\":\"").append(slugsAndQueues[i])
                    .append("\",\"ttl\":\"10m\",\"queue\":{\"name\":\"").append(slugsAndQueues[i + 1]).append("\"}}");
        }
        MockHttpServletResponse response = mvc.perform(post("/api/v1/deployments")
                .header("Authorization", "Bearer " + env.secretKey()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"version\":\"" + version + "\",\"tasks\":[" + tasks + "]}")).andReturn().getResponse();
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(201);
    }

    private String trigger(ProvisionedEnvironment env, String options) throws Exception {
        MockHttpServletResponse response = mvc.perform(post("/api/v1/tasks/t/trigger")
                .header("Authorization", "Bearer " + env.secretKey()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"payload\":{},\"options\":" + options + "}")).andReturn().getResponse();
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
        return json.readTree(response.getContentAsString()).get("id").asString();
    }

    private void assertUnprocessable(ProvisionedEnvironment env, String options, String message) throws Exception {
        MockHttpServletResponse response = mvc.perform(post("/api/v1/tasks/t/trigger")
                .header("Authorization", "Bearer " + env.secretKey()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"payload\":{},\"options\":" + options + "}")).andReturn().getResponse();
        assertThat(response.getStatus()).isEqualTo(422);
        assertThat(json.readTree(response.getContentAsString()).get("error").asString()).isEqualTo(message);
    }

    private String queueOf(String run) {
        return jdbc.sql("SELECT queue FROM task_runs WHERE friendly_id = ?").param(run).query(String.class).single();
    }

    private String workerId(ProvisionedEnvironment env, String version) {
        return jdbc.sql("SELECT id FROM background_workers WHERE runtime_environment_id = ? AND version = ?")
                .params(env.environment().id(), version).query(String.class).single();
    }

    private double dbReads(String lookup, String source) {
        return meters.get("trigger.resolve_db_reads").tag("lookup", lookup).tag("source", source).counter().count();
    }

    private double resolveDbReads(String source) {
        return meters.find("trigger.resolve_db_reads").tag("source", source).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }
}
