package dev.triggerapi.environment;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.triggerapi.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

@IntegrationTest
class AuthenticationTest {

    @Autowired
    MockMvc mvc;

    @Test
    void missingKeyOnPublicApiIsA401JsonError() throws Exception {
        mvc.perform(get("/api/v3/runs/run_x"))
                .andExpect(status().isUnauthorized())
                .andExpect(jsonPath("$.error").value("Invalid or missing API key"));
    }

    @Test
    void unknownKeyIsA401() throws Exception {
        mvc.perform(get("/api/v3/runs/run_x").header("Authorization", "Bearer tr_dev_nope"))
                .andExpect(status().isUnauthorized());
    }

    @Test
    void runnerEndpointsNeedAWorkerToken() throws Exception {
        mvc.perform(get("/engine/v1/worker-actions/runs/run_x/snapshots/since/s").header("Authorization", "Bearer tr_dev_nope"))
                .andExpect(status().isUnauthorized())
                .andExpect(jsonPath("$.error").value("Invalid or missing worker token"));
    }

    @Test
    void unknownRouteIsA404JsonError() throws Exception {
        mvc.perform(get("/no/such/route"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.error").exists());
    }
}
