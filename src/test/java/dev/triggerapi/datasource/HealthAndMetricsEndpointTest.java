package dev.triggerapi.datasource;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.triggerapi.support.Admin;
import dev.triggerapi.support.IntegrationTest;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

@IntegrationTest
class HealthAndMetricsEndpointTest {

    @Autowired
    MockMvc mvc;

    @Test
    void anonymousHealthShowsOnlyTheStatus() throws Exception {
        mvc.perform(get("/actuator/health"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.status").value("UP"))
                .andExpect(jsonPath("$.components").doesNotExist())
                .andExpect(jsonPath("$.details").doesNotExist());
        mvc.perform(get("/actuator/health").header("Authorization", "Bearer not-the-admin-token"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.components").doesNotExist());
        mvc.perform(get("/actuator/health/writer"))
                .andExpect(jsonPath("$.details").doesNotExist());
    }

    @Test
    void livenessAndReadinessAreOpenForOrchestrators() throws Exception {
        mvc.perform(get("/actuator/health/liveness")).andExpect(status().isOk()).andExpect(jsonPath("$.status").value("UP"));
        mvc.perform(get("/actuator/health/readiness")).andExpect(status().isOk()).andExpect(jsonPath("$.status").value("UP"));
    }

    @Test
    void healthWithTheAdminTokenShowsWriterReplicaAndRedisDetails() throws Exception {
        mvc.perform(get("/actuator/health").header("Authorization", Admin.AUTHORIZATION))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.status").value("UP"))
                .andExpect(jsonPath("$.components.writer.status").value("UP"))
                .andExpect(jsonPath("$.components.writer.details.inRecovery").value(false))
                .andExpect(jsonPath("$.components.replica.status").value("UP"))
                .andExpect(jsonPath("$.components.replica.details.inRecovery").value(true))
                .andExpect(jsonPath("$.components.replica.details.replayLagBytes").isNumber())
                .andExpect(jsonPath("$.components.redis.status").value("UP"));
    }

    @Test
    void prometheusExposesBothPoolsSeparately() throws Exception {
        mvc.perform(get("/actuator/prometheus"))
                .andExpect(status().isOk())
                .andExpect(content().string(Matchers.containsString("hikaricp_connections_active{application=\"trigger-api\",pool=\"writer\"}")))
                .andExpect(content().string(Matchers.containsString("hikaricp_connections_active{application=\"trigger-api\",pool=\"replica\"}")));
    }
}
