package dev.triggerapi.deployment;

import static dev.triggerapi.support.Registrations.task;
import static dev.triggerapi.support.Registrations.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.TestData;
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

/** {@code GET /api/v1/deployments} and {@code /current} through the real filter chain. */
@IntegrationTest
class DeploymentListApiTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    JsonMapper json;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    DeploymentService deployments;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;

    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
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

    @Test
    void listPagesNewestFirstWithTheCursorTheSdkSendsBack() throws Exception {
        for (String version : List.of("1", "2", "3")) {
            deployments.register(env.environment(), worker(version, task("t", null, "q")));
        }
        ReplicaLag.awaitOnReplica(transactions, () -> jdbc.sql(
                        "SELECT count(*) FROM worker_deployments WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(Long.class).single() == 3);

        List<String> versions = new ArrayList<>();
        JsonNode page = ok(get("/api/v1/deployments").param("page[size]", "2"));
        page.get("data").forEach(d -> versions.add(d.get("version").stringValue()));
        String next = page.get("pagination").get("next").stringValue();
        JsonNode last = ok(get("/api/v1/deployments").param("page[size]", "2").param("page[after]", next));
        last.get("data").forEach(d -> versions.add(d.get("version").stringValue()));

        assertThat(versions).containsExactly("3", "2", "1");
        assertThat(last.get("pagination").has("next")).as("no next on the last page").isFalse();
        JsonNode item = page.get("data").get(0);
        assertThat(item.get("id").stringValue()).startsWith("deployment_");
        assertThat(item.get("status").stringValue()).isEqualTo("DEPLOYED");
        assertThat(item.get("shortCode").stringValue()).isNotEmpty();
        assertThat(item.has("runtime") && item.get("runtime").isNull()).as("runtime is nullable, not optional").isTrue();
        assertThat(ok(get("/api/v1/deployments").param("status", "FAILED")).get("data").isEmpty()).isTrue();
    }

    @Test
    void currentIsThePromotedDeploymentEvenRightAfterThePromotion() throws Exception {
        assertThat(call(get("/api/v1/deployments/current"), env).getResponse().getStatus()).isEqualTo(404);
        ReplicaLag.behindBy(Duration.ofMillis(1500), jdbc, transactions);
        deployments.register(env.environment(), worker("7", task("t", null, "q")));
        deployments.promote(env.environment(), "7");

        JsonNode current = ok(get("/api/v1/deployments/current"));

        assertThat(current.get("version").stringValue()).isEqualTo("7");
    }

    @Test
    void anotherEnvironmentsDeploymentsAreNotListedAndInvalidParametersAre400() throws Exception {
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        deployments.register(other.environment(), worker("1", task("t", null, "q")));
        deployments.promote(other.environment(), "1");

        assertThat(ok(get("/api/v1/deployments")).get("data").isEmpty()).isTrue();
        assertThat(call(get("/api/v1/deployments/current"), env).getResponse().getStatus()).isEqualTo(404);
        for (String[] parameter : List.of(new String[] {"page[size]", "0"}, new String[] {"page[size]", "101"},
                new String[] {"page[size]", "x"}, new String[] {"status", "NOPE"}, new String[] {"period", "forever"},
                new String[] {"from", "yesterday"}, new String[] {"to", "2024-01-01"},
                new String[] {"page[after]", "d".repeat(500)})) {
            assertThat(call(get("/api/v1/deployments").param(parameter[0], parameter[1]), env).getResponse().getStatus())
                    .as(parameter[0] + "=" + parameter[1]).isEqualTo(400);
        }
    }
}
