package dev.triggerapi.queue;

import static dev.triggerapi.support.Registrations.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.util.List;

import dev.triggerapi.deployment.DeploymentService;
import dev.triggerapi.deployment.TriggerSource;
import dev.triggerapi.deployment.WorkerRegistration.QueueDeclaration;
import dev.triggerapi.deployment.WorkerRegistration.TaskDeclaration;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.run.RunEngine;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.TestData;
import dev.triggerapi.support.TestRuns;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The queue management API through the real filter chain, against the embedded cluster. */
@IntegrationTest
class QueueManagementApiTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    JsonMapper json;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    DeploymentService deployments;
    @Autowired
    RunCreator creator;
    @Autowired
    RunEngine engine;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;

    private ProvisionedEnvironment env;
    private ProvisionedWorkerGroup workerGroup;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        workerGroup = TestData.workerGroup(provisioning);
    }

    private static TaskDeclaration task(String slug, String queue, Integer limit) {
        return new TaskDeclaration(slug, null, TriggerSource.STANDARD, new QueueDeclaration(queue, limit));
    }

    private MvcResult call(MockHttpServletRequestBuilder request, ProvisionedEnvironment as) throws Exception {
        return mvc.perform(request.header("Authorization", "Bearer " + as.secretKey())
                .header("Content-Type", "application/json")).andReturn();
    }

    private JsonNode ok(MockHttpServletRequestBuilder request) throws Exception {
        MvcResult result = call(request, env);
        assertThat(result.getResponse().getStatus()).as(result.getResponse().getContentAsString()).isEqualTo(200);
        return json.readTree(result.getResponse().getContentAsString());
    }

    private int status(MockHttpServletRequestBuilder request) throws Exception {
        return call(request, env).getResponse().getStatus();
    }

    private List<String> dequeue() {
        return engine.dequeue(workerGroup.id(), env.environment().id(), 10).stream()
                .map(r -> r.run().friendlyId()).toList();
    }

    private CreatedRun queuedOn(String queue) {
        return creator.create(TestRuns.run(env.environment().id(), "worker-task").queue(queue).build());
    }

    @Test
    void retrieveShowsTheSdkShapeWithCountsAndTheTaskQueueByTaskId() throws Exception {
        deployments.register(env.environment(), worker("1", task("worker-task", null, 3), task("other", "shared", null)));
        creator.create(TestRuns.run(env.environment().id(), "worker-task").build());
        creator.create(TestRuns.run(env.environment().id(), "worker-task").build());
        dequeue();
        creator.create(TestRuns.run(env.environment().id(), "worker-task").build());
        ReplicaLag.awaitCaughtUp(jdbc, transactions);

        JsonNode queue = ok(get("/api/v1/queues/worker-task?type=task"));

        assertThat(queue.get("id").stringValue()).startsWith("queue_");
        assertThat(queue.get("name").stringValue()).isEqualTo("worker-task");
        assertThat(queue.get("type").stringValue()).isEqualTo("task");
        assertThat(queue.get("version").stringValue()).isEqualTo("V1");
        assertThat(queue.get("running").intValue()).isEqualTo(2);
        assertThat(queue.get("queued").intValue()).isEqualTo(1);
        assertThat(queue.get("paused").booleanValue()).isFalse();
        assertThat(queue.get("concurrencyLimit").intValue()).isEqualTo(3);
        JsonNode concurrency = queue.get("concurrency");
        assertThat(concurrency.get("base").intValue()).isEqualTo(3);
        assertThat(concurrency.get("current").intValue()).isEqualTo(3);
        assertThat(concurrency.has("override")).as("nullable members are sent as null").isTrue();
        assertThat(concurrency.get("override").isNull()).isTrue();
        assertThat(concurrency.get("overriddenAt").isNull()).isTrue();

        JsonNode byId = ok(get("/api/v1/queues/" + queue.get("id").stringValue() + "?type=id"));
        assertThat(byId.get("name").stringValue()).isEqualTo("worker-task");
        JsonNode custom = ok(get("/api/v1/queues/shared?type=custom"));
        assertThat(custom.get("type").stringValue()).isEqualTo("custom");
        assertThat(custom.get("concurrencyLimit").isNull()).as("no limit declared").isTrue();
    }

    @Test
    void listPagesAsTheSdkOffsetPagerExpects() throws Exception {
        deployments.register(env.environment(), worker("1", task("a", "qa", 1), task("b", "qb", 1), task("c", "qc", 1)));
        // Lists and retrieves read the replica (staleness is harmless there): read once it has the writes.
        ReplicaLag.awaitCaughtUp(jdbc, transactions);
        // The list is a replica read: wait until it shows the three queues (a caught-up replica still answered 0
        // once in a full run; see the session note), then check the paging.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                ok(get("/api/v1/queues?page=1&perPage=2")).get("pagination").get("count").intValue() == 3);

        JsonNode first = ok(get("/api/v1/queues?page=1&perPage=2"));
        JsonNode second = ok(get("/api/v1/queues?page=2&perPage=2"));

        assertThat(first.get("pagination").get("count").intValue()).isEqualTo(3);
        assertThat(first.get("pagination").get("totalPages").intValue()).isEqualTo(2);
        assertThat(first.get("pagination").get("currentPage").intValue()).isEqualTo(1);
        assertThat(first.get("data").valueStream().map(q -> q.get("name").stringValue()).toList())
                .containsExactly("qa", "qb");
        assertThat(second.get("data").valueStream().map(q -> q.get("name").stringValue()).toList())
                .containsExactly("qc");
    }

    @Test
    void aPausedQueueIsNotDequeuedUntilResumed() throws Exception {
        deployments.register(env.environment(), worker("1", task("worker-task", "pausable", null)));

        JsonNode paused = ok(post("/api/v1/queues/pausable/pause").content("{\"type\":\"custom\",\"action\":\"pause\"}"));
        CreatedRun run = queuedOn("pausable");

        assertThat(paused.get("paused").booleanValue()).isTrue();
        assertThat(dequeue()).isEmpty();
        ReplicaLag.awaitCaughtUp(jdbc, transactions);
        assertThat(ok(get("/api/v1/queues/pausable?type=custom")).get("queued").intValue()).isEqualTo(1);

        JsonNode resumed = ok(post("/api/v1/queues/pausable/pause").content("{\"type\":\"custom\",\"action\":\"resume\"}"));
        assertThat(resumed.get("paused").booleanValue()).isFalse();
        assertThat(dequeue()).containsExactly(run.friendlyId());
    }

    @Test
    void aConcurrencyOverrideAppliesToDequeueAndResetRestoresTheDeclaredLimit() throws Exception {
        deployments.register(env.environment(), worker("1", task("worker-task", "limited", 5)));

        JsonNode overridden = ok(post("/api/v1/queues/limited/concurrency/override")
                .content("{\"type\":\"custom\",\"concurrencyLimit\":0}"));
        CreatedRun run = queuedOn("limited");

        assertThat(overridden.get("concurrencyLimit").intValue()).isZero();
        assertThat(overridden.get("concurrency").get("override").intValue()).isZero();
        assertThat(overridden.get("concurrency").get("base").intValue()).isEqualTo(5);
        assertThat(overridden.get("concurrency").get("overriddenAt").isString()).isTrue();
        assertThat(dequeue()).isEmpty();

        JsonNode reset = ok(post("/api/v1/queues/limited/concurrency/reset").content("{\"type\":\"custom\"}"));
        assertThat(reset.get("concurrencyLimit").intValue()).isEqualTo(5);
        assertThat(reset.get("concurrency").get("override").isNull()).isTrue();
        assertThat(dequeue()).containsExactly(run.friendlyId());
    }

    @Test
    void aReRegistrationKeepsTheOperatorsPauseAndOverride() throws Exception {
        deployments.register(env.environment(), worker("1", task("worker-task", "kept", 5)));
        ok(post("/api/v1/queues/kept/pause").content("{\"type\":\"custom\",\"action\":\"pause\"}"));
        ok(post("/api/v1/queues/kept/concurrency/override").content("{\"type\":\"custom\",\"concurrencyLimit\":2}"));

        deployments.register(env.environment(), worker("2", task("worker-task", "kept", 7)));
        ReplicaLag.awaitCaughtUp(jdbc, transactions);

        JsonNode queue = ok(get("/api/v1/queues/kept?type=custom"));
        assertThat(queue.get("paused").booleanValue()).isTrue();
        assertThat(queue.get("concurrency").get("base").intValue()).isEqualTo(7);
        assertThat(queue.get("concurrencyLimit").intValue()).isEqualTo(2);
    }

    @Test
    void aQueueCreatedAMomentAgoIsFoundWhileTheReplicaLags() throws Exception {
        ReplicaLag.behindBy(Duration.ofMillis(1500), jdbc, transactions);
        deployments.register(env.environment(), worker("1", task("worker-task", "fresh", 1)));

        assertThat(ok(get("/api/v1/queues/fresh?type=custom")).get("name").stringValue()).isEqualTo("fresh");
        assertThat(ok(post("/api/v1/queues/fresh/pause").content("{\"type\":\"custom\",\"action\":\"pause\"}"))
                .get("paused").booleanValue()).isTrue();
    }

    @Test
    void anotherEnvironmentsQueueIsTheSame404AsAnUnknownOne() throws Exception {
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        deployments.register(other.environment(), worker("1", task("worker-task", "theirs", 1)));
        String theirId = json.readTree(call(get("/api/v1/queues/theirs?type=custom"), other).getResponse()
                .getContentAsString()).get("id").stringValue();

        for (MockHttpServletRequestBuilder request : List.of(
                get("/api/v1/queues/theirs?type=custom"),
                get("/api/v1/queues/" + theirId + "?type=id"),
                post("/api/v1/queues/theirs/pause").content("{\"type\":\"custom\",\"action\":\"pause\"}"),
                post("/api/v1/queues/theirs/concurrency/override").content("{\"type\":\"custom\",\"concurrencyLimit\":1}"),
                post("/api/v1/queues/theirs/concurrency/reset").content("{\"type\":\"custom\"}"))) {
            MvcResult result = call(request, env);
            assertThat(result.getResponse().getStatus()).isEqualTo(404);
            assertThat(result.getResponse().getContentAsString()).isEqualTo("{\"error\":\"Queue not found\"}");
        }
        assertThat(json.readTree(call(get("/api/v1/queues/theirs?type=custom"), other).getResponse()
                .getContentAsString()).get("paused").booleanValue()).as("nothing changed for its owner").isFalse();
        assertThat(ok(get("/api/v1/queues")).get("pagination").get("count").intValue()).isZero();
    }

    @Test
    void invalidInputsAre400NotServerErrors() throws Exception {
        deployments.register(env.environment(), worker("1", task("worker-task", "q", 1)));

        for (MockHttpServletRequestBuilder request : List.of(
                get("/api/v1/queues?page=0"),
                get("/api/v1/queues?perPage=101"),
                get("/api/v1/queues?perPage=abc"),
                get("/api/v1/queues?page=99999999999"),
                get("/api/v1/queues/q?type=bogus"),
                get(java.net.URI.create("/api/v1/queues/%25ZZ?type=custom")),
                get("/api/v1/queues/" + "q".repeat(300) + "?type=custom"),
                post("/api/v1/queues/q/pause").content("{\"type\":\"custom\",\"action\":\"stop\"}"),
                post("/api/v1/queues/q/pause").content("{\"type\":\"custom\"}"),
                post("/api/v1/queues/q/pause").content("{\"type\":1,\"action\":\"pause\"}"),
                post("/api/v1/queues/q/pause").content("[1,2]"),
                post("/api/v1/queues/q/concurrency/override").content("{\"type\":\"custom\",\"concurrencyLimit\":-1}"),
                post("/api/v1/queues/q/concurrency/override").content("{\"type\":\"custom\",\"concurrencyLimit\":1.5}"),
                post("/api/v1/queues/q/concurrency/override").content("{\"type\":\"custom\",\"concurrencyLimit\":\"3\"}"),
                post("/api/v1/queues/q/concurrency/override").content("{\"type\":\"custom\",\"concurrencyLimit\":1e12}"),
                post("/api/v1/queues/q/concurrency/override").content("{\"type\":\"custom\"}"),
                post("/api/v1/queues/q/concurrency/override").content("{\"type\":\"custom\",\"concurrencyLimit\":1"))) {
            MvcResult result = call(request, env);
            assertThat(result.getResponse().getStatus())
                    .as(result.getRequest().getMethod() + " " + result.getRequest().getRequestURI() + " "
                            + result.getRequest().getContentAsString() + " -> " + result.getResponse().getContentAsString())
                    .isEqualTo(400);
        }
        assertThat(status(get("/api/v1/queues/nope?type=id"))).isEqualTo(404);
    }
}
