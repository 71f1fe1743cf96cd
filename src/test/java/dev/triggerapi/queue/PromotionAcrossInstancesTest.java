package dev.triggerapi.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.SecondInstance;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import dev.triggerapi.taskmeta.TaskMetaCacheProperties;
import dev.triggerapi.taskmeta.TaskMetadata;
import dev.triggerapi.taskmeta.TaskMetadataCache;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two instances on one database and one Redis, both with the near cache on: once {@code promote} has returned on
 * instance A, instance B — whose memory held the previous version — triggers the new version within the documented
 * window (liveness timeout + ping interval).
 */
@ServerIntegrationTest
class PromotionAcrossInstancesTest {

    @LocalServerPort
    int port;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    JsonMapper json;
    @Autowired
    TaskMetaCacheProperties properties;

    @RegisterExtension
    final SecondInstance instanceB = new SecondInstance();

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aPromotionOnOneInstanceRoutesTheOtherInstancesTriggersWithinTheWindow() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        register(env, "a");
        register(env, "b");
        assertThat(call(port, env, "/api/v1/deployments/a/promote", "").statusCode()).isEqualTo(200);

        ConfigurableApplicationContext second = instanceB.start();
        int otherPort = instanceB.port();
        MeterRegistry otherMeters = second.getBean(MeterRegistry.class);
        TaskMetadataCache otherCache = second.getBean(TaskMetadataCache.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> otherMeters.find("task_meta_cache.near.live").gauge()
                .value() == 1);
        assertThat(queueOfTrigger(otherPort, env)).isEqualTo("q-a");
        assertThat(queueOfTrigger(otherPort, env)).isEqualTo("q-a");
        assertThat(nearHits(otherMeters)).as("B serves version a from memory").isPositive();

        HttpResponse<String> promoted = call(port, env, "/api/v1/deployments/b/promote", "");
        assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        long returned = System.nanoTime();

        // The bound is on the mechanism (B's memory), not on HTTP round trips.
        Duration window = properties.near().livenessTimeout().plus(properties.near().pingInterval());
        String envId = env.environment().id();
        await().atMost(window).pollInterval(Duration.ofMillis(1))
                .until(() -> otherCache.getCurrent(envId, "tx").map(TaskMetadata::queueName).orElse(null), "q-b"::equals);
        System.out.printf("promotion on A: B's near cache has the new version after %d ms (window %d ms)%n",
                (System.nanoTime() - returned) / 1_000_000, window.toMillis());
        for (int i = 0; i < 20; i++) {
            assertThat(queueOfTrigger(otherPort, env)).isEqualTo("q-b");
        }
    }

    private static double nearHits(MeterRegistry meters) {
        return meters.get("task_meta_cache.near.lookups").tag("key_space", "current").tag("result", "hit").counter()
                .count();
    }

    private void register(ProvisionedEnvironment env, String version) throws Exception {
        HttpResponse<String> response = call(port, env, "/api/v1/deployments", "{\"version\":\"" + version
                + "\",\"tasks\":[{\"slug\":\"tx\",\"queue\":{\"name\":\"q-" + version + "\"}}]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private String queueOfTrigger(int instancePort, ProvisionedEnvironment env) throws Exception {
        HttpResponse<String> response = call(instancePort, env, "/api/v1/tasks/tx/trigger", "{\"payload\":{}}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String run = json.readTree(response.body()).get("id").asString();
        return jdbc.sql("SELECT queue FROM task_runs WHERE friendly_id = ?").param(run).query(String.class).single();
    }

    private HttpResponse<String> call(int instancePort, ProvisionedEnvironment env, String path, String body)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instancePort + path))
                .header("Authorization", "Bearer " + env.secretKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
