package dev.triggerapi.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.jayway.jsonpath.JsonPath;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.local.LocalCluster;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.TestData;
import dev.triggerapi.taskmeta.TaskMetadata;
import dev.triggerapi.taskmeta.TaskMetadataCache;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

@IntegrationTest
class TriggerApiTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    StringRedisTemplate redis;
    @Autowired
    MeterRegistry meters;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    TaskMetadataCache cache;
    @Autowired
    JsonMapper json;

    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() throws Exception {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        register(env, "1", "hello-world", "hello").andExpect(status().isCreated());
    }

    private ResultActions register(ProvisionedEnvironment target, String version, String slug, String queue)
            throws Exception {
        return mvc.perform(post("/api/v1/deployments").header("Authorization", "Bearer " + target.secretKey())
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"version\":\"" + version + "\",\"tasks\":[{\"slug\":\"" + slug + "\",\"ttl\":\"10m\","
                        + "\"triggerSource\":\"STANDARD\",\"queue\":{\"name\":\"" + queue + "\",\"concurrencyLimit\":5}}]}"));
    }

    private MockHttpServletRequestBuilder trigger(String taskId, String body) {
        return trigger(env, taskId, body);
    }

    private static MockHttpServletRequestBuilder trigger(ProvisionedEnvironment target, String taskId, String body) {
        return post("/api/v1/tasks/" + taskId + "/trigger").header("Authorization", "Bearer " + target.secretKey())
                .contentType(MediaType.APPLICATION_JSON).content(body);
    }

    private Map<String, Object> run(String friendlyId) {
        return jdbc.sql("SELECT * FROM task_runs WHERE friendly_id = ?").param(friendlyId).query().singleRow();
    }

    private String runId(ResultActions result) throws Exception {
        return JsonPath.read(result.andReturn().getResponse().getContentAsString(), "$.id");
    }

    private double counter(String name, String... tags) {
        return meters.get(name).tags(tags).counter().count();
    }

    private String workerId(ProvisionedEnvironment target, String version) {
        return jdbc.sql("SELECT id FROM background_workers WHERE runtime_environment_id = ? AND version = ?")
                .params(target.environment().id(), version).query(String.class).single();
    }

    @Test
    void triggerCreatesAQueuedRunWithItsFirstSnapshotAndAnswersLikeTriggerDev() throws Exception {
        ResultActions result = mvc.perform(trigger("hello-world", "{\"payload\":{\"name\":\"world\"}}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.id").value(org.hamcrest.Matchers.startsWith("run_")))
                .andExpect(jsonPath("$.isCached").value(false));

        String claims = result.andReturn().getResponse().getHeader("x-trigger-jwt-claims");
        assertThat(json.readTree(claims).get("sub").asString()).isEqualTo(env.environment().id());
        Map<String, Object> row = run(runId(result));
        assertThat(row).containsEntry("status", "QUEUED").containsEntry("queue", "hello")
                .containsEntry("task_identifier", "hello-world").containsEntry("payload_type", "application/json")
                .containsEntry("ttl", "10m").containsEntry("trigger_source", "STANDARD");
        assertThat(json.readTree((String) row.get("payload")).get("name").asString()).isEqualTo("world");
        assertThat(row.get("expires_at")).isNotNull();
        assertThat(jdbc.sql("SELECT execution_status FROM execution_snapshots WHERE run_id = ?").param(row.get("id"))
                .query(String.class).list()).containsExactly("QUEUED");
    }

    @Test
    void theOfficialSdkBodyIsAcceptedAndItsSerializedPayloadStoredAsGiven() throws Exception {
        String sdkBody = """
                {"payload":"{\\"json\\":{\\"name\\":\\"x\\"}}","options":{"payloadType":"application/super+json",
                 "payloadSize":21,"idempotencyKey":"%s","idempotencyKeyOptions":{"key":"my-key","scope":"run"},
                 "idempotencyKeyTTL":"1h","tags":["a","b"],"ttl":"1h","region":"eu","externalDeploymentId":"d"}}"""
                .formatted("a".repeat(64));

        ResultActions result = mvc.perform(trigger("hello-world", sdkBody).header("trigger-version", "4.8.3")
                        .header("x-trigger-api-version", "2025-07-16"))
                .andExpect(status().isOk());

        Map<String, Object> row = run(runId(result));
        assertThat(row).containsEntry("payload", "{\"json\":{\"name\":\"x\"}}")
                .containsEntry("payload_type", "application/super+json")
                .containsEntry("idempotency_key", "a".repeat(64)).containsEntry("ttl", "1h");
        assertThat((java.sql.Array) row.get("tags")).satisfies(tags ->
                assertThat((String[]) tags.getArray()).containsExactly("a", "b"));
    }

    @Test
    void optionsShapeTheRun() throws Exception {
        Instant before = Instant.now();
        ResultActions result = mvc.perform(trigger("hello-world", """
                {"payload":[1,2],"options":{"delay":"1h","concurrencyKey":"ck","priority":7,"maxAttempts":3,
                 "maxDuration":120,"machine":"small-1x","metadata":{"m":1},"test":true,"queue":{"name":"other"},"tags":"solo"}}"""))
                .andExpect(status().isOk());

        Map<String, Object> row = run(runId(result));
        assertThat(row).containsEntry("status", "DELAYED").containsEntry("concurrency_key", "ck")
                .containsEntry("priority_ms", 7000).containsEntry("max_attempts", 3).containsEntry("max_duration_seconds", 120)
                .containsEntry("machine", "small-1x").containsEntry("metadata", "{\"m\":1}")
                .containsEntry("metadata_type", "application/json").containsEntry("is_test", true)
                .containsEntry("queue", "other").containsEntry("payload", "[1,2]");
        assertThat(((java.sql.Timestamp) row.get("delay_until")).toInstant())
                .isAfter(before.plus(Duration.ofMinutes(59)));
        assertThat(jdbc.sql("SELECT execution_status FROM execution_snapshots WHERE run_id = ?").param(row.get("id"))
                .query(String.class).single()).isEqualTo("DELAYED");
    }

    @Test
    void anIdempotencyKeyReturnsTheExistingRunAsCachedAndTheHeaderOverridesTheBody() throws Exception {
        String first = runId(mvc.perform(trigger("hello-world", "{\"options\":{\"idempotencyKey\":\"body-key\"}}"))
                .andExpect(status().isOk()).andExpect(jsonPath("$.isCached").value(false)));

        mvc.perform(trigger("hello-world", "{\"options\":{\"idempotencyKey\":\"body-key\"}}"))
                .andExpect(jsonPath("$.id").value(first)).andExpect(jsonPath("$.isCached").value(true));
        String viaHeader = runId(mvc.perform(trigger("hello-world", "{\"options\":{\"idempotencyKey\":\"body-key\"}}")
                        .header("idempotency-key", "header-key").header("idempotency-key-ttl", "5m"))
                .andExpect(jsonPath("$.isCached").value(false)));
        assertThat(viaHeader).isNotEqualTo(first);
        assertThat(run(viaHeader)).containsEntry("idempotency_key", "header-key");

        jdbc.sql("UPDATE task_runs SET status = 'COMPLETED_WITH_ERRORS' WHERE friendly_id = ?").param(first).update();
        String afterFailure = runId(mvc.perform(trigger("hello-world", "{\"options\":{\"idempotencyKey\":\"body-key\"}}"))
                .andExpect(jsonPath("$.isCached").value(false)));
        assertThat(afterFailure).isNotEqualTo(first);
    }

    @Test
    void concurrentTriggersWithOneIdempotencyKeyCreateExactlyOneRun() throws Exception {
        int threads = 20;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> responses = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            responses.add(pool.submit(() -> {
                start.await();
                return mvc.perform(trigger("hello-world", "{\"options\":{\"idempotencyKey\":\"race\"}}"))
                        .andExpect(status().isOk()).andReturn().getResponse().getContentAsString();
            }));
        }
        start.countDown();
        List<String> bodies = new ArrayList<>();
        for (Future<String> response : responses) {
            bodies.add(response.get());
        }
        pool.shutdown();

        assertThat(bodies.stream().map(b -> JsonPath.<String>read(b, "$.id")).distinct()).hasSize(1);
        assertThat(bodies.stream().filter(b -> !JsonPath.<Boolean>read(b, "$.isCached"))).hasSize(1);
        assertThat(jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ? AND task_identifier = 'hello-world'")
                .param(env.environment().id()).query(Integer.class).single()).isEqualTo(1);
    }

    @Test
    void lockedTriggerRightAfterRegisteringANewVersionSucceedsWhileTheReplicaIs500msBehind() throws Exception {
        ProvisionedEnvironment prod = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        ReplicaLag.behindBy(Duration.ofMillis(500), jdbc, transactions);
        register(prod, "2", "locked-task", "locked-q").andExpect(status().isCreated());
        // The registration's cache write is best effort; the database path must carry the trigger without it.
        redis.delete("task-meta:by-worker:" + workerId(prod, "2"));
        double fromWriter = counter("task_meta_cache.resolve", "path", "locked", "source", "writer");

        String id = runId(mvc.perform(trigger(prod, "locked-task", "{\"options\":{\"lockToVersion\":\"2\"}}"))
                .andExpect(status().isOk()));
        boolean replicaHasTheWorker = Boolean.TRUE.equals(replicaRead(() -> jdbc.sql(
                        "SELECT EXISTS (SELECT 1 FROM background_workers WHERE runtime_environment_id = ?)")
                .param(prod.environment().id()).query(Boolean.class).single()));

        assertThat(replicaHasTheWorker).as("the replica was still behind during the trigger").isFalse();
        assertThat(counter("task_meta_cache.resolve", "path", "locked", "source", "writer")).isEqualTo(fromWriter + 1);
        assertThat(run(id)).containsEntry("queue", "locked-q").containsEntry("locked_to_worker_id", workerId(prod, "2"));

        mvc.perform(trigger(prod, "not-registered", "{\"options\":{\"lockToVersion\":\"2\"}}"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.error").value("Task 'not-registered' not found on locked version '2'."));
    }

    private <T> T replicaRead(java.util.function.Supplier<T> query) {
        TransactionTemplate replica = new TransactionTemplate(transactions);
        replica.setReadOnly(true);
        return replica.execute(s -> query.get());
    }

    @Test
    void versionLockedTriggersThatCannotBeResolvedAreExact422s() throws Exception {
        mvc.perform(trigger("hello-world", "{\"options\":{\"lockToVersion\":\"7\"}}"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.error").value("Task locked to version '7', but no worker found with that version."));
        mvc.perform(trigger("nope", "{\"options\":{\"lockToVersion\":\"1\"}}"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.error").value("Task 'nope' not found on locked version '1'."));
        mvc.perform(trigger("hello-world", "{\"options\":{\"lockToVersion\":\"1\",\"queue\":{\"name\":\"elsewhere\"}}}"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.error").value(
                        "Specified queue 'elsewhere' not found or not associated with locked version '1'."));

        String worker = workerId(env, "1");
        jdbc.sql("UPDATE background_worker_tasks SET queue_id = NULL WHERE worker_id = ?").param(worker).update();
        redis.delete("task-meta:by-worker:" + worker);
        ReplicaLag.awaitOnReplica(transactions, () -> jdbc.sql(
                "SELECT coalesce(bool_and(queue_id IS NULL), false) FROM background_worker_tasks WHERE worker_id = ?")
                .param(worker).query(Boolean.class).single());
        mvc.perform(trigger("hello-world", "{\"options\":{\"lockToVersion\":\"1\"}}"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.error").value(
                        "Default queue configuration for task 'hello-world' missing on locked version '1'."));
    }

    @Test
    void triggersStillSucceedFromPostgresWhileRedisIsDown() throws Exception {
        mvc.perform(trigger("hello-world", "{}")).andExpect(status().isOk());
        double readErrors = counter("task_meta_cache.errors", "operation", "get");
        double notFromCache = counter("task_meta_cache.resolve", "path", "current", "source", "replica")
                + counter("task_meta_cache.resolve", "path", "current", "source", "writer");
        LocalCluster cluster = Cluster.get();
        cluster.stopRedis();
        try {
            // Until the near cache notices the link is down (at most its liveness timeout) it may still answer from
            // memory, which is correct but reads nothing from Redis: wait for it, so the trigger below does.
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> meters.find("task_meta_cache.near.live").gauges().stream().allMatch(g -> g.value() == 0));
            String id = runId(mvc.perform(trigger("hello-world", "{\"payload\":1}")).andExpect(status().isOk()));

            assertThat(run(id)).containsEntry("queue", "hello").containsEntry("ttl", "10m");
            assertThat(counter("task_meta_cache.errors", "operation", "get")).isGreaterThan(readErrors);
            assertThat(counter("task_meta_cache.resolve", "path", "current", "source", "replica")
                    + counter("task_meta_cache.resolve", "path", "current", "source", "writer")).isEqualTo(notFromCache + 1);
        } finally {
            cluster.startRedis();
            awaitRedisBack();
        }
    }

    /** Both the cache's own connection and the default one reconnect before the next test runs. */
    private void awaitRedisBack() {
        TaskMetadata probe = new TaskMetadata(null, "STANDARD", null, null);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> {
                    cache.backfillByWorker("reconnect-probe", "probe", probe);
                    return cache.getByWorker("reconnect-probe", "probe").isPresent()
                            && "PONG".equals(redis.execute((org.springframework.data.redis.core.RedisCallback<String>)
                            connection -> connection.ping()));
                });
    }

    @Test
    void taskIdsWithEncodedSlashesAreDecoded() throws Exception {
        String id = runId(mvc.perform(post(URI.create("/api/v1/tasks/folder%2Fmy-task/trigger"))
                        .header("Authorization", "Bearer " + env.secretKey())
                        .contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andExpect(status().isOk()));
        assertThat(run(id)).containsEntry("task_identifier", "folder/my-task").containsEntry("queue", "task/folder/my-task");
    }

    @Test
    void missingOrUnknownKeysAre401() throws Exception {
        mvc.perform(post("/api/v1/tasks/hello-world/trigger").contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andExpect(status().isUnauthorized()).andExpect(jsonPath("$.error").exists());
        mvc.perform(post("/api/v1/tasks/hello-world/trigger").header("Authorization", "Bearer tr_dev_unknown")
                        .contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andExpect(status().isUnauthorized());
    }

    @Test
    void malformedBodiesAreReadable400s() throws Exception {
        mvc.perform(trigger("hello-world", "")).andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("Request body is required"));
        mvc.perform(trigger("hello-world", "{\"payload\":")).andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("Invalid JSON in request body"));
        mvc.perform(trigger("hello-world", "{\"options\":{\"maxAttempts\":\"many\"}}")).andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value(org.hamcrest.Matchers.containsString("options.maxAttempts")));
        mvc.perform(trigger("hello-world", "{\"options\":{\"tags\":{\"a\":1}}}")).andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("options.tags: expected a string or an array of strings"));
        mvc.perform(trigger("hello-world", "[1]")).andExpect(status().isBadRequest());
    }

    @Test
    void invalidValuesAre422s() throws Exception {
        mvc.perform(trigger("hello-world", "{\"options\":{\"tags\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]}}"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.error").value("Runs can have at most 10 tags, got 11"));
        mvc.perform(trigger("hello-world", "{\"options\":{\"delay\":\"next week\"}}"))
                .andExpect(status().isUnprocessableContent());
        mvc.perform(trigger("hello-world", "{\"options\":{\"maxAttempts\":0}}"))
                .andExpect(status().isUnprocessableContent());
    }

    @Test
    void bodiesOverTheTriggerLimitAre413BeforeTheyAreRead() throws Exception {
        byte[] justUnder = ("{\"payload\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}").getBytes();
        mvc.perform(trigger("hello-world", "").content(justUnder)).andExpect(status().isOk());

        byte[] over = new byte[3 * 1024 * 1024 + 1];
        java.util.Arrays.fill(over, (byte) ' ');
        mvc.perform(trigger("hello-world", "").content(over))
                .andExpect(status().isContentTooLarge())
                .andExpect(jsonPath("$.error").value("Request body exceeds the limit of 3145728 bytes"));
        // Other endpoints have the smaller default limit.
        mvc.perform(post("/api/v1/deployments").header("Authorization", "Bearer " + env.secretKey())
                        .contentType(MediaType.APPLICATION_JSON).content(justUnder))
                .andExpect(status().isContentTooLarge());
    }

    @Test
    void batchCreatesEveryRunInOneBatch() throws Exception {
        ResultActions result = mvc.perform(post("/api/v1/tasks/batch").header("Authorization", "Bearer " + env.secretKey())
                        .contentType(MediaType.APPLICATION_JSON).content("""
                                {"items":[{"task":"hello-world","payload":{"n":1}},
                                          {"task":"other-task","payload":"raw","options":{"payloadType":"text/plain","tags":"t"}},
                                          {"task":"hello-world","options":{"idempotencyKey":"same"}},
                                          {"task":"hello-world","options":{"idempotencyKey":"same"}}]}"""))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.id").value(org.hamcrest.Matchers.startsWith("batch_")))
                .andExpect(jsonPath("$.runs.length()").value(4))
                .andExpect(jsonPath("$.runs[1].taskIdentifier").value("other-task"))
                .andExpect(jsonPath("$.runs[2].isCached").value(false))
                .andExpect(jsonPath("$.runs[3].isCached").value(true));

        String body = result.andReturn().getResponse().getContentAsString();
        String batchId = JsonPath.<String>read(body, "$.id").substring("batch_".length());
        assertThat(jdbc.sql("SELECT count(*) FROM task_runs WHERE batch_id = ?").param(batchId).query(Integer.class)
                .single()).isEqualTo(3);
        assertThat(jdbc.sql("SELECT run_count FROM task_run_batches WHERE id = ?").param(batchId).query(Integer.class)
                .single()).isEqualTo(4);
        assertThat(run(JsonPath.read(body, "$.runs[1].id"))).containsEntry("payload", "raw")
                .containsEntry("payload_type", "text/plain").containsEntry("queue", "task/other-task");
    }

    @Test
    void oneInvalidItemFailsTheWholeBatchAndNothingIsCreated() throws Exception {
        mvc.perform(post("/api/v1/tasks/batch").header("Authorization", "Bearer " + env.secretKey())
                        .contentType(MediaType.APPLICATION_JSON).content("""
                                {"items":[{"task":"hello-world"},{"task":"hello-world","options":{"lockToVersion":"9"}}]}"""))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.error").value(
                        "items[1]: Task locked to version '9', but no worker found with that version."));

        assertThat(jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(Integer.class).single()).isZero();
    }

    @Test
    void batchSizeIsBetweenOneAnd500Items() throws Exception {
        String item = "{\"task\":\"hello-world\"}";
        String tooMany = "{\"items\":[" + String.join(",", java.util.Collections.nCopies(501, item)) + "]}";
        for (String body : List.of("{\"items\":[]}", "{}", tooMany, "{\"items\":[{\"payload\":1}]}")) {
            mvc.perform(post("/api/v1/tasks/batch").header("Authorization", "Bearer " + env.secretKey())
                            .contentType(MediaType.APPLICATION_JSON).content(body))
                    .andExpect(status().isBadRequest()).andExpect(jsonPath("$.error").exists());
        }
        assertThat(jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(Integer.class).single()).isZero();
    }
}
