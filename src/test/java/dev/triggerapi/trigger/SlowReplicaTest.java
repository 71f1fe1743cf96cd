package dev.triggerapi.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The replica's apply delay is raised to 2 s while triggers keep flowing: a version registered or promoted a moment
 * ago is triggerable at once (never a false 422, also with its cache entries gone), and a runner's snapshot poll right
 * after a state change gets the new snapshot, not an error.
 */
// The near cache is off: this test drops Redis entries behind its back to force the database paths (the near
// cache's own behaviour is NearTaskMetadataCacheTest's and PromotionAcrossInstancesTest's).
@IntegrationTest
@TestPropertySource(properties = "trigger-api.task-meta-cache.near.enabled=false")
class SlowReplicaTest {

    private static final Duration REPLICA_DELAY = Duration.ofSeconds(2);

    @Autowired
    MockMvc mvc;
    @Autowired
    JsonMapper json;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    StringRedisTemplate redis;
    @Autowired
    MeterRegistry meters;

    private MockHttpServletResponse call(MockHttpServletRequestBuilder request, String bearer) throws Exception {
        MvcResult result = mvc.perform(request.header("Authorization", "Bearer " + bearer)
                .contentType(MediaType.APPLICATION_JSON)).andReturn();
        if (result.getRequest().isAsyncStarted()) {
            result = mvc.perform(asyncDispatch(result)).andReturn();
        }
        return result.getResponse();
    }

    private JsonNode ok(MockHttpServletResponse response) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
        return json.readTree(response.getContentAsString());
    }

    private MockHttpServletResponse register(ProvisionedEnvironment env, String version, String... slugs) throws Exception {
        List<String> tasks = new ArrayList<>();
        for (String slug : slugs) {
            tasks.add("{\"slug\":\"" + slug + "\",\"ttl\":\"10m\",\"triggerSource\":\"STANDARD\","
                    + "\"queue\":{\"name\":\"" + slug + "-q\",\"concurrencyLimit\":5}}");
        }
        return call(post("/api/v1/deployments").content("{\"version\":\"" + version + "\",\"tasks\":["
                + String.join(",", tasks) + "]}"), env.secretKey());
    }

    private MockHttpServletResponse trigger(ProvisionedEnvironment env, String task, String options) throws Exception {
        return call(post("/api/v1/tasks/" + task + "/trigger").content("{\"payload\":{},\"options\":" + options + "}"),
                env.secretKey());
    }

    private String queueOf(String friendlyId) {
        return jdbc.sql("SELECT queue FROM task_runs WHERE friendly_id = ?").param(friendlyId).query(String.class).single();
    }

    private double resolvedFromWriter(String path) {
        var counter = meters.find("task_meta_cache.resolve").tags("path", path, "source", "writer").counter();
        return counter == null ? 0 : counter.count();
    }

    private String workerId(ProvisionedEnvironment env, String version) {
        return jdbc.sql("SELECT id FROM background_workers WHERE runtime_environment_id = ? AND version = ?")
                .params(env.environment().id(), version).query(String.class).single();
    }

    @Test
    void freshVersionsAreTriggerableAndPollsSeeNewSnapshotsWhileTheReplicaIsTwoSecondsBehindUnderTraffic() throws Exception {
        ProvisionedEnvironment busy = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        assertThat(register(busy, "1", "steady").getStatus()).isEqualTo(201);
        ConcurrentLinkedQueue<Integer> trafficStatuses = new ConcurrentLinkedQueue<>();
        AtomicBoolean traffic = new AtomicBoolean(true);
        // Paused while a global counter is compared, so only the measured trigger can move it.
        AtomicBoolean paused = new AtomicBoolean(false);
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        for (int t = 0; t < 2; t++) {
            threads.submit(() -> {
                while (traffic.get()) {
                    if (paused.get()) {
                        LockSupport.parkNanos(1_000_000);
                        continue;
                    }
                    inFlight.incrementAndGet();
                    try {
                        if (!paused.get()) {
                            trafficStatuses.add(trigger(busy, "steady", "{}").getStatus());
                        }
                    } catch (Exception e) {
                        trafficStatuses.add(-1);
                    } finally {
                        inFlight.decrementAndGet();
                    }
                }
            });
        }
        try {
            Cluster.replicaDelay(REPLICA_DELAY);
            ProvisionedEnvironment prod = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
            ProvisionedWorkerGroup workers = TestData.workerGroup(provisioning);

            // Registered a moment ago, locked trigger: with the cache entry, then without it (database path).
            assertThat(register(prod, "1", "fresh").getStatus()).isEqualTo(201);
            assertThat(queueOf(ok(trigger(prod, "fresh", "{\"lockToVersion\":\"1\"}")).get("id").asString()))
                    .isEqualTo("fresh-q");
            redis.delete("task-meta:by-worker:" + workerId(prod, "1"));
            assertThat(queueOf(ok(trigger(prod, "fresh", "{\"lockToVersion\":\"1\"}")).get("id").asString()))
                    .isEqualTo("fresh-q");

            // Promoted a moment ago: the new task routes to its own queue, with and without the cache.
            assertThat(register(prod, "2", "fresh", "newer").getStatus()).isEqualTo(201);
            assertThat(ok(call(post("/api/v1/deployments/2/promote"), prod.secretKey()))).isNotNull();
            assertThat(queueOf(ok(trigger(prod, "newer", "{}")).get("id").asString())).isEqualTo("newer-q");
            redis.delete("task-meta:env:" + prod.environment().id());
            paused.set(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> inFlight.get() == 0);
            double writerRechecks = resolvedFromWriter("current");
            assertThat(queueOf(ok(trigger(prod, "newer", "{}")).get("id").asString())).isEqualTo("newer-q");
            assertThat(resolvedFromWriter("current")).as("the lagging replica did not know the task; the writer did")
                    .isEqualTo(writerRechecks + 1);
            paused.set(false);
            String lockedToNew = ok(trigger(prod, "newer", "{\"lockToVersion\":\"2\"}")).get("id").asString();
            assertThat(queueOf(lockedToNew)).isEqualTo("newer-q");

            // A runner: dequeue, start, and poll since the dequeued snapshot at once.
            JsonNode dequeued = ok(call(post("/engine/v1/worker-actions/dequeue").content("{\"maxRuns\":50}")
                    .header("x-trigger-worker-environment-id", prod.environment().id()), workers.token()));
            JsonNode item = null;
            for (JsonNode candidate : dequeued) {
                if (candidate.at("/run/friendlyId").asString().equals(lockedToNew)) {
                    item = candidate;
                }
            }
            assertThat(item).as("the run locked to the new version was dequeued: %s", dequeued).isNotNull();
            String dequeuedSnapshot = item.at("/snapshot/id").asString();
            JsonNode started = ok(call(post("/engine/v1/worker-actions/runs/" + lockedToNew + "/snapshots/"
                    + dequeuedSnapshot + "/attempts/start").header("x-trigger-worker-environment-id",
                    prod.environment().id()), workers.token()));
            String startedSnapshot = started.at("/snapshot/id").asString();

            JsonNode since = ok(call(get("/engine/v1/worker-actions/runs/" + lockedToNew + "/snapshots/since/"
                    + dequeuedSnapshot), workers.token()));
            assertThat(since.at("/snapshots")).extracting(s -> s.at("/snapshot/id").asString()).contains(startedSnapshot);
            assertThat(since.at("/snapshots/0/run/status").asString()).isEqualTo("EXECUTING");
            JsonNode sinceLatest = ok(call(get("/engine/v1/worker-actions/runs/" + lockedToNew + "/snapshots/since/"
                    + startedSnapshot), workers.token()));
            assertThat(sinceLatest.at("/snapshots")).as("nothing newer, and not a 404").isEmpty();
        } finally {
            traffic.set(false);
            threads.shutdown();
            assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(trafficStatuses).isNotEmpty().containsOnly(200);
    }
}
