package dev.triggerapi.environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.util.List;

import com.jayway.jsonpath.JsonPath;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Each credential opens only its own door: a secret key the public API ({@code /api/**}), a worker token the
 * runner API ({@code /engine/**}), a public access token ({@code x-trigger-jwt}) only the realtime feeds. Any other
 * pairing is a 401 JSON error before a controller runs.
 */
@IntegrationTest
class TokenTypeSeparationTest {

    private static final List<MockHttpServletRequestBuilder> PUBLIC_API = List.of(
            get("/api/v3/runs/run_x"),
            get("/api/v1/runs"),
            post("/api/v1/tasks/hello-world/trigger").content("{}"),
            post("/api/v1/tasks/batch").content("{\"items\":[{\"task\":\"hello-world\"}]}"),
            post("/api/v3/batches").content("{\"runCount\":1}"),
            post("/api/v2/runs/run_x/cancel"),
            post("/api/v1/deployments/1/promote"));

    private static final List<MockHttpServletRequestBuilder> RUNNER_API = List.of(
            post("/engine/v1/worker-actions/dequeue").content("{\"maxRuns\":1}"),
            post("/engine/v1/worker-actions/runs/run_x/snapshots/s/attempts/start"),
            post("/engine/v1/worker-actions/runs/run_x/snapshots/s/heartbeat"),
            get("/engine/v1/worker-actions/runs/run_x/snapshots/since/s"));

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;

    private ProvisionedEnvironment env;
    private ProvisionedWorkerGroup workerGroup;
    private String publicToken;

    @BeforeEach
    void setUp() throws Exception {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        workerGroup = TestData.workerGroup(provisioning);
        MockHttpServletResponse triggered = send(post("/api/v1/tasks/hello-world/trigger").content("{}"), env.secretKey());
        assertThat(triggered.getStatus()).as(triggered.getContentAsString()).isEqualTo(200);
        publicToken = triggered.getHeader("x-trigger-jwt");
        assertThat(publicToken).isNotBlank();
    }

    private MockHttpServletResponse send(MockHttpServletRequestBuilder request, String bearer) throws Exception {
        return mvc.perform(request.header("Authorization", "Bearer " + bearer).contentType(MediaType.APPLICATION_JSON))
                .andReturn().getResponse();
    }

    private void assertUnauthorized(MockHttpServletRequestBuilder request, String bearer) throws Exception {
        MockHttpServletResponse response = send(request, bearer);
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(401);
        assertThat((String) JsonPath.read(response.getContentAsString(), "$.error")).isNotBlank();
    }

    @Test
    void workerTokensAndPublicTokensCannotCallThePublicApi() throws Exception {
        for (MockHttpServletRequestBuilder request : PUBLIC_API) {
            assertUnauthorized(request, workerGroup.token());
            assertUnauthorized(request, publicToken);
        }
        // The secret key itself is accepted there (the refusals above are about the credential's type).
        assertThat(send(get("/api/v1/runs"), env.secretKey()).getStatus()).isEqualTo(200);
    }

    @Test
    void secretKeysAndPublicTokensCannotCallTheRunnerApi() throws Exception {
        for (MockHttpServletRequestBuilder request : RUNNER_API) {
            assertUnauthorized(request, env.secretKey());
            assertUnauthorized(request, publicToken);
        }
        assertThat(send(post("/engine/v1/worker-actions/dequeue").content("{\"maxRuns\":1}")
                .header("x-trigger-worker-environment-id", env.environment().id()), workerGroup.token()).getStatus())
                .isEqualTo(200);
    }

    @Test
    void workerTokensCannotSubscribeToRealtimeFeeds() throws Exception {
        assertUnauthorized(get("/realtime/v1/runs?tags=a").accept(MediaType.TEXT_EVENT_STREAM), workerGroup.token());
        assertUnauthorized(get("/realtime/v1/runs/run_x").accept(MediaType.TEXT_EVENT_STREAM), workerGroup.token());
        assertUnauthorized(get("/realtime/v1/batches/batch_x").accept(MediaType.TEXT_EVENT_STREAM), workerGroup.token());
    }
}
