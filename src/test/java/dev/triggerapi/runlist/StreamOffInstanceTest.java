package dev.triggerapi.runlist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import com.jayway.jsonpath.JsonPath;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.replication.ReplicationIntegrationTest;
import dev.triggerapi.replication.RunReplicator;
import dev.triggerapi.support.SecondInstance;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code RUN_REPLICATION_STREAM_ENABLED=false}: an instance that serves requests while the stream runs elsewhere (here,
 * in the test context, which leads it). It reads the runs list from ClickHouse, and has no replicator that could
 * take the leader lock.
 */
@ReplicationIntegrationTest
class StreamOffInstanceTest {

    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    RunReplicator streamingInstance;

    @RegisterExtension
    final SecondInstance instance = new SecondInstance();

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesTheRunsListFromClickHouseWithoutAStreamOfItsOwn() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> streamingInstance.status().state() == RunReplicator.State.STREAMING);
        ConfigurableApplicationContext second = instance.start("--trigger-api.local-cluster.clickhouse=true",
                "--trigger-api.replication.stream-enabled=false");

        assertThat(second.getBeanProvider(RunReplicator.class).getIfAvailable()).as("no replicator, so no lock").isNull();
        assertThat(second.getBeansOfType(HealthContributor.class)).doesNotContainKey("replicationHealthIndicator");
        assertThat(second.getBean(RunListService.class).store().name()).isEqualTo("clickhouse");
        assertThat(streamingInstance.status().leader()).as("the streaming instance still leads").isTrue();

        int port = instance.port();
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        HttpResponse<String> registered = call(port, env, "POST", "/api/v1/deployments",
                "{\"version\":\"1\",\"tasks\":[{\"slug\":\"listed\"}]}");
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        HttpResponse<String> triggered = call(port, env, "POST", "/api/v1/tasks/listed/trigger", "{\"payload\":{}}");
        assertThat(triggered.statusCode()).as(triggered.body()).isEqualTo(200);
        String runId = JsonPath.read(triggered.body(), "$.id");

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            HttpResponse<String> list = call(port, env, "GET", "/api/v1/runs", null);
            assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
            assertThat(JsonPath.<List<String>>read(list.body(), "$.data[*].id")).containsExactly(runId);
        });
    }

    private HttpResponse<String> call(int port, ProvisionedEnvironment env, String method, String path, String body)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + env.secretKey()).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
