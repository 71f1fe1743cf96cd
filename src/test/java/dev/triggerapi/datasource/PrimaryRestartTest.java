package dev.triggerapi.datasource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.replication.ReplicationIntegrationTest;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.TestData;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The real primary is stopped and started again while several threads keep triggering through the filter chain:
 * clients only ever see 200 or a retryable 503, the writer pool heals itself, no run exists without its first
 * snapshot, and replication to ClickHouse reconnects and catches up.
 */
@ReplicationIntegrationTest
class PrimaryRestartTest {

    private static final int THREADS = 4;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** One answer a triggering thread got. */
    private record Answer(int status, String retryAfter, String body) {
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    @Qualifier("writerDataSource")
    HikariDataSource writerPool;
    @Autowired
    ClickHouseClient clickHouse;
    @Autowired
    JsonMapper json;

    private Answer trigger(ProvisionedEnvironment env, int n) {
        try {
            MockHttpServletResponse response = mvc.perform(post("/api/v1/tasks/hello-world/trigger")
                            .header("Authorization", "Bearer " + env.secretKey())
                            .contentType(MediaType.APPLICATION_JSON).content("{\"payload\":{\"n\":" + n + "}}"))
                    .andReturn().getResponse();
            return new Answer(response.getStatus(), response.getHeader("Retry-After"), response.getContentAsString());
        } catch (Exception e) {
            // An exception escaping MockMvc is what a client would see as a dropped connection or a bare 500.
            return new Answer(-1, null, e.toString());
        }
    }

    @Test
    void triggersDuringAPrimaryRestartAreServedOrRefusedRetryablyAndEverythingRecovers() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        String envId = env.environment().id();
        mvc.perform(post("/api/v1/deployments").header("Authorization", "Bearer " + env.secretKey())
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"version\":\"1\",\"tasks\":[{\"slug\":\"hello-world\",\"ttl\":\"10m\","
                                + "\"triggerSource\":\"STANDARD\",\"queue\":{\"name\":\"hello\",\"concurrencyLimit\":5}}]}"))
                .andExpect(status().isCreated());

        ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        AtomicBoolean traffic = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> loops = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            loops.add(threads.submit(() -> {
                for (int n = 0; traffic.get(); n++) {
                    answers.add(trigger(env, thread * 1_000_000 + n));
                }
            }));
        }
        try {
            awaitCount(answers, a -> a.status() == 200, 20);
            Cluster.get().stopPrimary();
            try {
                // Traffic keeps flowing against the dead writer until refusals are observed.
                awaitCount(answers, a -> a.status() == 503, THREADS * 2);
            } finally {
                Cluster.get().startPrimary();
            }
            // The pool heals by itself: new successes arrive without restarting anything.
            long okBefore = count(answers, a -> a.status() == 200);
            awaitCount(answers, a -> a.status() == 200, okBefore + 50);
        } finally {
            traffic.set(false);
            threads.shutdown();
            assertThat(threads.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
        for (Future<?> loop : loops) {
            loop.get();
        }

        List<Answer> all = new ArrayList<>(answers);
        assertThat(all).extracting(Answer::status).as("only 200 or 503, never a 500 or a dropped answer")
                .containsOnly(200, 503);
        Set<String> acknowledged = new TreeSet<>();
        for (Answer answer : all) {
            JsonNode body = json.readTree(answer.body());
            if (answer.status() == 503) {
                assertThat(answer.retryAfter()).as("503 carries Retry-After").isEqualTo("1");
                assertThat(body.properties()).extracting(Map.Entry::getKey).containsExactly("error");
                assertThat(body.get("error").asString()).doesNotContainIgnoringCase("exception")
                        .doesNotContainIgnoringCase("sql").doesNotContain("org.").doesNotContain("jdbc");
            } else {
                acknowledged.add(body.get("id").asString());
            }
        }

        JdbcClient writer = JdbcClient.create(writerPool);
        List<String> persisted = writer.sql("SELECT friendly_id FROM task_runs WHERE runtime_environment_id = ?")
                .param(envId).query(String.class).list();
        assertThat(persisted).as("every 200 is a persisted run").containsAll(acknowledged);
        assertThat(writer.sql("""
                        SELECT count(*) FROM task_runs r
                        WHERE r.runtime_environment_id = ?
                          AND NOT EXISTS (SELECT 1 FROM execution_snapshots s WHERE s.run_id = r.id AND s.sequence = 1)""")
                .param(envId).query(Integer.class).single()).as("runs without their first snapshot").isZero();

        Set<String> postgresIds = new TreeSet<>(writer.sql("SELECT id FROM task_runs WHERE runtime_environment_id = ?")
                .param(envId).query(String.class).list());
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(clickHouseRunIds(envId)).as("ClickHouse caught up after the restart").isEqualTo(postgresIds));
        System.out.printf("primary restart under %d triggering threads: %d answers, %d x 200, %d x 503%n", THREADS,
                all.size(), acknowledged.size(), count(answers, a -> a.status() == 503));
    }

    private Set<String> clickHouseRunIds(String envId) {
        Set<String> ids = new TreeSet<>();
        clickHouse.select("SELECT run_id FROM task_runs FINAL WHERE environment_id = '" + envId + "' AND _is_deleted = 0")
                .forEach(row -> ids.add(row.get("run_id").asString()));
        return ids;
    }

    private static long count(ConcurrentLinkedQueue<Answer> answers, Predicate<Answer> which) {
        return answers.stream().filter(which).count();
    }

    private static void awaitCount(ConcurrentLinkedQueue<Answer> answers, Predicate<Answer> which, long atLeast) {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> count(answers, which) >= atLeast
                || answers.stream().anyMatch(a -> a.status() != 200 && a.status() != 503));
    }
}
