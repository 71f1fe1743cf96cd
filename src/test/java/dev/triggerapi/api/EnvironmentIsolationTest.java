package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import dev.triggerapi.deployment.DeploymentService;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.Registrations;
import dev.triggerapi.support.TestData;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * The environment isolation matrix: environment A's secret key (and runners scoped to A, or of another worker
 * group) can neither read, change, cancel, list nor subscribe to anything of environment B. Every such attempt
 * is a 404 exactly like an unknown id (never a 403 that would confirm the id exists), and B's rows are checked
 * unchanged in the database afterwards.
 */
@IntegrationTest
class EnvironmentIsolationTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    DeploymentService deployments;
    @Autowired
    JdbcClient jdbc;

    private ProvisionedEnvironment a;
    private ProvisionedEnvironment b;
    private String bRun;
    private String bBatch;

    @BeforeEach
    void setUp() throws Exception {
        a = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        b = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        deployments.register(a.environment(), Registrations.worker("1", Registrations.task("a-task", "10m", "a-queue")));
        deployments.promote(a.environment(), "1");
        deployments.register(b.environment(), Registrations.worker("1", Registrations.task("b-task", "10m", "b-queue")));
        deployments.register(b.environment(), Registrations.worker("2", Registrations.task("b-task", "10m", "b-queue")));
        deployments.promote(b.environment(), "1");
        bRun = JsonPath.read(ok(call(b, post("/api/v1/tasks/b-task/trigger")
                .content("{\"payload\":{\"secret\":\"b\"},\"options\":{\"tags\":[\"b-tag\"],\"metadata\":{\"owner\":\"b\"}}}"))), "$.id");
        bBatch = JsonPath.read(call(b, post("/api/v3/batches").content("{\"runCount\":2}")).getContentAsString(), "$.id");
    }

    private MockHttpServletResponse call(ProvisionedEnvironment caller, MockHttpServletRequestBuilder request)
            throws Exception {
        return mvc.perform(request.header("Authorization", "Bearer " + caller.secretKey())
                .contentType(MediaType.APPLICATION_JSON)).andReturn().getResponse();
    }

    private static String ok(MockHttpServletResponse response) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isBetween(200, 299);
        return response.getContentAsString();
    }

    private static void assertNotFound(MockHttpServletResponse response) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(404);
        assertThat((String) JsonPath.read(response.getContentAsString(), "$.error")).isNotBlank();
    }

    /** Everything of B that an attempt from A could have changed. */
    private Map<String, Object> bState() {
        return Map.of(
                "runs", jdbc.sql("""
                                SELECT friendly_id, status, metadata::text AS metadata, tags::text AS tags, latest_snapshot_id, worker_group_id, updated_at::text AS updated_at
                                FROM task_runs WHERE runtime_environment_id = ? ORDER BY id""")
                        .param(b.environment().id()).query().listOfRows().toString(),
                "snapshots", jdbc.sql("SELECT count(*) FROM execution_snapshots WHERE runtime_environment_id = ?")
                        .param(b.environment().id()).query(Long.class).single(),
                "batches", jdbc.sql("SELECT friendly_id, run_count, sealed FROM task_run_batches WHERE runtime_environment_id = ?")
                        .param(b.environment().id()).query().listOfRows().toString(),
                "packets", jdbc.sql("SELECT path, encode(content, 'hex') FROM payload_packets WHERE runtime_environment_id = ?")
                        .param(b.environment().id()).query().listOfRows().toString(),
                "promotion", jdbc.sql("SELECT worker_id FROM worker_deployment_promotions WHERE runtime_environment_id = ?")
                        .param(b.environment().id()).query().listOfRows().toString());
    }

    private long runsOf(ProvisionedEnvironment env) {
        return jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(Long.class).single();
    }

    @Test
    void readingAnotherEnvironmentsRunIsNotFoundLikeAnUnknownRun() throws Exception {
        MockHttpServletResponse foreign = call(a, get("/api/v3/runs/" + bRun));
        MockHttpServletResponse unknown = call(a, get("/api/v3/runs/run_doesnotexist"));

        assertNotFound(foreign);
        assertNotFound(unknown);
        assertThat(ok(call(b, get("/api/v3/runs/" + bRun)))).contains(bRun);
    }

    @Test
    void changingAnotherEnvironmentsRunIsNotFoundAndChangesNothing() throws Exception {
        Map<String, Object> before = bState();

        assertNotFound(call(a, post("/api/v2/runs/" + bRun + "/cancel")));
        assertNotFound(call(a, put("/api/v1/runs/" + bRun + "/metadata").content("{\"metadata\":{\"owner\":\"a\"}}")));
        assertNotFound(call(a, post("/api/v1/runs/" + bRun + "/tags").content("{\"tags\":[\"a-tag\"]}")));

        assertThat(bState()).isEqualTo(before);
        assertThat(jdbc.sql("SELECT status FROM task_runs WHERE friendly_id = ?").param(bRun).query(String.class).single())
                .isEqualTo("QUEUED");
    }

    @Test
    void triggeringAnotherEnvironmentsTaskNeverReachesThatEnvironment() throws Exception {
        Map<String, Object> before = bState();

        // Triggering a task the environment has not deployed is allowed (the run waits for a worker), but it is
        // A's run on A's queue: B's task of the same name is never touched.
        call(a, post("/api/v1/tasks/b-task/trigger").content("{\"payload\":{}}"));
        call(a, post("/api/v1/tasks/batch").content("{\"items\":[{\"task\":\"b-task\",\"payload\":{}}]}"));

        assertThat(bState()).isEqualTo(before);
        assertThat(runsOf(b)).isEqualTo(1);
    }

    @Test
    void streamingItemsIntoAnotherEnvironmentsBatchIsNotFound() throws Exception {
        Map<String, Object> before = bState();

        assertNotFound(call(a, post("/api/v3/batches/" + bBatch + "/items").contentType("application/x-ndjson")
                .content("{\"index\":0,\"task\":\"a-task\",\"payload\":{}}\n")));

        assertThat(bState()).isEqualTo(before);
        assertThat(runsOf(a)).isZero();
    }

    @Test
    void listingNeverShowsAnotherEnvironmentsRuns() throws Exception {
        String aRun = JsonPath.read(ok(call(a, post("/api/v1/tasks/a-task/trigger")
                .content("{\"payload\":{},\"options\":{\"tags\":[\"b-tag\"]}}"))), "$.id");

        // The list reads a replica: wait until A's own run shows, so the absence of B's is meaningful.
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> ok(call(a, get("/api/v1/runs?filter[tag]=b-tag"))).contains(aRun));
        String all = ok(call(a, get("/api/v1/runs")));
        String tagged = ok(call(a, get("/api/v1/runs?filter[tag]=b-tag")));

        assertThat(all).contains(aRun).doesNotContain(bRun);
        assertThat(tagged).contains(aRun).doesNotContain(bRun);
        List<String> ids = JsonPath.read(tagged, "$.data[*].id");
        assertThat(ids).containsExactly(aRun);
    }

    @Test
    void packetsAreStoredPerEnvironment() throws Exception {
        String path = "shared-name.json";
        String bUpload = JsonPath.read(ok(call(b, put("/api/v2/packets/" + path))), "$.presignedUrl");
        ok(mvc.perform(put(URI.create(bUpload)).contentType(MediaType.APPLICATION_JSON).content("{\"owner\":\"b\"}"))
                .andReturn().getResponse());
        Map<String, Object> before = bState();

        String aDownload = JsonPath.read(ok(call(a, get("/api/v2/packets/" + path))), "$.presignedUrl");
        assertNotFound(mvc.perform(get(URI.create(aDownload))).andReturn().getResponse());
        String aUpload = JsonPath.read(ok(call(a, put("/api/v2/packets/" + path))), "$.presignedUrl");
        ok(mvc.perform(put(URI.create(aUpload)).contentType(MediaType.APPLICATION_JSON).content("{\"owner\":\"a\"}"))
                .andReturn().getResponse());

        assertThat(bState()).isEqualTo(before);
        String bDownload = JsonPath.read(ok(call(b, get("/api/v2/packets/" + path))), "$.presignedUrl");
        assertThat(mvc.perform(get(URI.create(bDownload))).andReturn().getResponse().getContentAsString())
                .isEqualTo("{\"owner\":\"b\"}");
    }

    @Test
    void promotingAVersionOnlyAnotherEnvironmentHasIsNotFound() throws Exception {
        Map<String, Object> before = bState();

        assertNotFound(call(a, post("/api/v1/deployments/2/promote")));

        assertThat(bState()).isEqualTo(before);
    }

    @Test
    void realtimeSubscriptionsToAnotherEnvironmentsRunOrBatchAreNotFound() throws Exception {
        assertNotFound(call(a, get("/realtime/v1/runs/" + bRun).accept(MediaType.TEXT_EVENT_STREAM)));
        assertNotFound(call(a, get("/realtime/v1/batches/" + bBatch).accept(MediaType.TEXT_EVENT_STREAM)));
        assertNotFound(call(a, get("/realtime/v1/batches/batch_doesnotexist").accept(MediaType.TEXT_EVENT_STREAM)));
    }

    private MockHttpServletResponse runner(ProvisionedWorkerGroup group, ProvisionedEnvironment scope,
                                           MockHttpServletRequestBuilder request) throws Exception {
        request.header("Authorization", "Bearer " + group.token()).contentType(MediaType.APPLICATION_JSON);
        if (scope != null) {
            request.header("x-trigger-worker-environment-id", scope.environment().id());
        }
        MvcResult result = mvc.perform(request).andReturn();
        if (result.getRequest().isAsyncStarted()) {
            // snapshots-since answers asynchronously.
            result = mvc.perform(asyncDispatch(result)).andReturn();
        }
        return result.getResponse();
    }

    @Test
    void runnersScopedToAnotherEnvironmentOrOfAnotherWorkerGroupCannotTouchARun() throws Exception {
        ProvisionedWorkerGroup owner = TestData.workerGroup(provisioning);
        ProvisionedWorkerGroup other = TestData.workerGroup(provisioning);
        // A runner scoped to A sees none of B's queued runs.
        assertThat(ok(runner(other, a, post("/engine/v1/worker-actions/dequeue").content("{\"maxRuns\":10}"))))
                .doesNotContain(bRun);
        String claimed = ok(runner(owner, b, post("/engine/v1/worker-actions/dequeue").content("{\"maxRuns\":10}")));
        assertThat(claimed).contains(bRun);
        String snapshot = JsonPath.read(claimed, "$[0].snapshot.id");
        String path = "/engine/v1/worker-actions/runs/" + bRun + "/snapshots/" + snapshot;
        Map<String, Object> before = bState();

        for (ProvisionedEnvironment scope : new ProvisionedEnvironment[] {a, null}) {
            ProvisionedWorkerGroup group = scope == null ? other : owner;
            assertNotFound(runner(group, scope, post(path + "/attempts/start")));
            assertNotFound(runner(group, scope, post(path + "/heartbeat")));
            assertNotFound(runner(group, scope, post(path + "/attempts/complete")
                    .content("{\"completion\":{\"ok\":true,\"output\":\"{}\"}}")));
        }
        String since = "/engine/v1/worker-actions/runs/" + bRun + "/snapshots/since/" + snapshot;
        assertNotFound(runner(owner, a, get(since)));
        assertNotFound(runner(other, b, get(since)));
        assertNotFound(runner(other, null, get(since)));

        assertThat(bState()).isEqualTo(before);
        // The group that claimed it, in scope, still can.
        ok(runner(owner, b, post(path + "/attempts/start")));
        ok(runner(owner, b, get(since)));
    }
}
