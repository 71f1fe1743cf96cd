package dev.triggerapi.datasource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The replica process is stopped for real while four clients keep working: one triggers, one triggers locked to a
 * version, one retrieves a run, one polls a run's snapshots as a runner. Reads in flight on the dying replica, and
 * reads on pooled connections to it, are answered from the writer: nobody sees anything but 200.
 */
@IntegrationTest
class ReplicaOutageUnderTrafficTest {

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
    ReplicaCircuitBreaker breaker;
    @Autowired
    MeterRegistry meters;

    @Test
    void stoppingTheReplicaUnderTriggerRetrieveAndSnapshotPollTrafficAnswersEveryRequestWith200() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        ProvisionedWorkerGroup runner = TestData.workerGroup(provisioning);
        ok(call(post("/api/v1/deployments").content("{\"version\":\"1\",\"tasks\":[{\"slug\":\"t\",\"ttl\":\"10m\","
                + "\"queue\":{\"name\":\"q\"}}]}"), env.secretKey()), 201);
        ok(call(post("/api/v1/deployments/1/promote"), env.secretKey()), 200);
        String run = ok(call(post("/api/v1/tasks/t/trigger").content("{\"payload\":{}}"), env.secretKey()), 200)
                .get("id").asString();
        JsonNode dequeued = ok(call(post("/engine/v1/worker-actions/dequeue").content("{\"maxRuns\":1}")
                .header("x-trigger-worker-environment-id", env.environment().id()), runner.token()), 200);
        String anchor = dequeued.at("/0/snapshot/id").asString();
        ok(call(post("/engine/v1/worker-actions/runs/" + run + "/snapshots/" + anchor + "/attempts/start")
                .header("x-trigger-worker-environment-id", env.environment().id()), runner.token()), 200);
        ReplicaLag.awaitOnReplica(transactions, () -> jdbc.sql(
                "SELECT EXISTS (SELECT 1 FROM task_runs WHERE friendly_id = ? AND status = 'EXECUTING')")
                .param(run).query(Boolean.class).single());

        Map<String, MockHttpServletRequestBuilderFactory> clients = Map.of(
                "trigger", () -> post("/api/v1/tasks/t/trigger").content("{\"payload\":{}}"),
                "locked trigger", () -> post("/api/v1/tasks/t/trigger")
                        .content("{\"payload\":{},\"options\":{\"lockToVersion\":\"1\"}}"),
                "retrieve", () -> get("/api/v3/runs/" + run),
                "snapshot poll", () -> get("/engine/v1/worker-actions/runs/" + run + "/snapshots/since/" + anchor));
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        Map<String, AtomicInteger> answeredWhileDown = new ConcurrentHashMap<>();
        AtomicBoolean replicaDown = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(clients.size());
        clients.forEach((name, request) -> {
            answeredWhileDown.put(name, new AtomicInteger());
            String bearer = name.equals("snapshot poll") ? runner.token() : env.secretKey();
            threads.submit(() -> {
                while (running.get()) {
                    try {
                        MockHttpServletResponse response = call(request.build(), bearer);
                        if (response.getStatus() != 200) {
                            failures.add(name + ": " + response.getStatus() + " " + response.getContentAsString());
                        } else if (replicaDown.get()) {
                            answeredWhileDown.get(name).incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.add(name + ": " + e);
                    }
                }
            });
        });
        try {
            Thread.sleep(500); // traffic on warm replica connections before the stop
            Cluster.get().stopReplica();
            replicaDown.set(true);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !breaker.replicaAvailable()
                    && answeredWhileDown.values().stream().allMatch(n -> n.get() >= 20));
        } finally {
            Cluster.get().startReplica();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(breaker::replicaAvailable);
        replicaDown.set(false);
        Thread.sleep(500); // and traffic on the replica again
        running.set(false);
        threads.shutdown();
        assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        assertThat(failures).as("answers other than 200").isEmpty();
        assertThat(answeredWhileDown).allSatisfy((name, count) -> assertThat(count.get()).as(name).isPositive());
    }

    /** A request to send again and again (MockMvc builders are single use). */
    @FunctionalInterface
    private interface MockHttpServletRequestBuilderFactory {
        MockHttpServletRequestBuilder build();
    }

    private MockHttpServletResponse call(MockHttpServletRequestBuilder request, String bearer) throws Exception {
        MvcResult result = mvc.perform(request.header("Authorization", "Bearer " + bearer)
                .contentType(MediaType.APPLICATION_JSON)).andReturn();
        if (result.getRequest().isAsyncStarted()) {
            result = mvc.perform(asyncDispatch(result)).andReturn();
        }
        return result.getResponse();
    }

    private JsonNode ok(MockHttpServletResponse response, int status) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(status);
        return json.readTree(response.getContentAsString());
    }
}
