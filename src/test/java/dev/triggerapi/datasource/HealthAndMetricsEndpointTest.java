package dev.triggerapi.datasource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.List;

import dev.triggerapi.support.Admin;
import dev.triggerapi.support.Cluster;
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
        // Another test of this class stops and restarts the real Redis: its client may still be reconnecting.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                mvc.perform(get("/actuator/health").header("Authorization", Admin.AUTHORIZATION))
                        .andExpect(jsonPath("$.components.redis.status").value("UP")));
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
    void aFailedRedisCheckIsDownWithItsReasonAndLogsOneLineWithoutAStackTrace() throws Exception {
        ch.qos.logback.classic.LoggerContext logs = (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
                new ch.qos.logback.core.read.ListAppender<>();
        captured.setContext(logs);
        captured.start();
        ch.qos.logback.classic.Logger root = logs.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(captured);
        Cluster.get().stopRedis();
        try {
            mvc.perform(get("/actuator/health").header("Authorization", Admin.AUTHORIZATION))
                    .andExpect(status().isOk())
                    .andExpect(jsonPath("$.status").value("UP"))
                    .andExpect(jsonPath("$.components.redis.status").value("DOWN"))
                    .andExpect(jsonPath("$.components.redis.details.error").isString());
        } finally {
            root.detachAppender(captured);
            Cluster.get().startRedis();
        }
        List<ch.qos.logback.classic.spi.ILoggingEvent> events = List.copyOf(captured.list);
        assertThat(events).filteredOn(e -> e.getFormattedMessage().contains("Redis health check"))
                .allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
        assertThat(events).noneMatch(e -> e.getFormattedMessage().contains("Redis health check failed"));
    }

    @Test
    void prometheusExposesBothPoolsSeparately() throws Exception {
        mvc.perform(get("/actuator/prometheus"))
                .andExpect(status().isOk())
                .andExpect(content().string(Matchers.containsString("hikaricp_connections_active{application=\"trigger-api\",pool=\"writer\"}")))
                .andExpect(content().string(Matchers.containsString("hikaricp_connections_active{application=\"trigger-api\",pool=\"replica\"}")));
    }
}
