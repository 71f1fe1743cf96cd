package dev.triggerapi.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Trigger options through the HTTP API as the SDK sends them: {@code debounce}, {@code idempotencyKeyOptions},
 * {@code priority}, and the idempotency release policy (a cancelled run keeps its key; failed and expired runs and
 * the explicit reset release it).
 */
@IntegrationTest
class TriggerOptionsApiTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;

    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() throws Exception {
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        mvc.perform(post("/api/v1/deployments").header("Authorization", "Bearer " + env.secretKey())
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"version\":\"1\",\"tasks\":[{\"slug\":\"notify\",\"triggerSource\":\"STANDARD\"}]}"))
                .andExpect(status().isCreated());
    }

    private MockHttpServletRequestBuilder trigger(String body) {
        return post("/api/v1/tasks/notify/trigger").header("Authorization", "Bearer " + env.secretKey())
                .contentType(MediaType.APPLICATION_JSON).content(body);
    }

    private static String id(ResultActions result) throws Exception {
        return JsonPath.read(result.andReturn().getResponse().getContentAsString(), "$.id");
    }

    private Map<String, Object> row(String friendlyId) {
        return jdbc.sql("SELECT * FROM task_runs WHERE friendly_id = ?").param(friendlyId).query().singleRow();
    }

    private int runsOfTask() {
        return jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ? AND task_identifier = 'notify'")
                .param(env.environment().id()).query(Integer.class).single();
    }

    private List<String> debouncedTriggers(String key, String mode) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            String modeMember = mode == null ? "" : ",\"mode\":\"" + mode + "\"";
            // A one-hour window: all five triggers fall inside it however slow the machine is.
            ids.add(id(mvc.perform(trigger("{\"payload\":\"{\\\"json\\\":{\\\"n\\\":" + i + "}}\",\"options\":{"
                            + "\"payloadType\":\"application/super+json\",\"metadata\":{\"call\":" + i + "},"
                            + "\"tags\":[\"call-" + i + "\"],"
                            + "\"debounce\":{\"key\":\"" + key + "\",\"delay\":\"1h\"" + modeMember + "}}}"))
                    .andExpect(status().isOk())));
        }
        return ids;
    }

    @Test
    void fiveDebouncedTriggersInTheWindowMakeOneDelayedRunWithTheFirstPayloadInLeadingMode() throws Exception {
        Instant before = Instant.now();
        List<String> ids = debouncedTriggers("user-1", null);

        assertThat(ids).containsOnly(ids.get(0));
        assertThat(runsOfTask()).isEqualTo(1);
        Map<String, Object> run = row(ids.get(0));
        assertThat(run).containsEntry("status", "DELAYED").containsEntry("payload", "{\"json\":{\"n\":1}}")
                .containsEntry("metadata", "{\"call\":1}");
        Instant delayUntil = ((java.sql.Timestamp) run.get("delay_until")).toInstant();
        assertThat(delayUntil).isAfter(before.plus(Duration.ofMinutes(59)));
        assertThat(jdbc.sql("SELECT count(*) FROM execution_snapshots WHERE run_id = ? AND execution_status = 'DELAYED'")
                .param(run.get("id")).query(Integer.class).single()).as("one snapshot per push").isEqualTo(5);
    }

    @Test
    void fiveDebouncedTriggersInTrailingModeLeaveTheLastPayloadMetadataAndTags() throws Exception {
        List<String> ids = debouncedTriggers("user-2", "trailing");

        assertThat(ids).containsOnly(ids.get(0));
        assertThat(runsOfTask()).isEqualTo(1);
        Map<String, Object> run = row(ids.get(0));
        assertThat(run).containsEntry("payload", "{\"json\":{\"n\":5}}").containsEntry("metadata", "{\"call\":5}");
        assertThat(jdbc.sql("SELECT tags FROM task_runs WHERE friendly_id = ?").param(ids.get(0))
                .query((rs, n) -> List.of((String[]) rs.getArray(1).getArray())).single()).containsExactly("call-5");
    }

    @Test
    void differentDebounceKeysAndARunThatLeftTheDelayCreateNewRuns() throws Exception {
        String a = id(mvc.perform(trigger("{\"options\":{\"debounce\":{\"key\":\"a\",\"delay\":\"1h\"}}}")));
        String b = id(mvc.perform(trigger("{\"options\":{\"debounce\":{\"key\":\"b\",\"delay\":\"1h\"}}}")));
        assertThat(a).isNotEqualTo(b);
        jdbc.sql("UPDATE task_runs SET status = 'QUEUED' WHERE friendly_id = ?").param(a).update(); // delay over

        String again = id(mvc.perform(trigger("{\"options\":{\"debounce\":{\"key\":\"a\",\"delay\":\"1h\"}}}")));
        assertThat(again).isNotEqualTo(a).isNotEqualTo(b);
    }

    @Test
    void invalidDebounceAndPriorityAreRefusedNotIgnored() throws Exception {
        mvc.perform(trigger("{\"options\":{\"debounce\":{\"delay\":\"5s\"}}}")).andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").exists());
        mvc.perform(trigger("{\"options\":{\"debounce\":{\"key\":\"   \",\"delay\":\"5s\"}}}"))
                .andExpect(status().isBadRequest());
        mvc.perform(trigger("{\"options\":{\"debounce\":{\"key\":\"k\",\"delay\":\"soon\"}}}"))
                .andExpect(status().isUnprocessableEntity());
        mvc.perform(trigger("{\"options\":{\"debounce\":{\"key\":\"k\",\"delay\":\"500ms\"}}}"))
                .andExpect(status().is4xxClientError());
        mvc.perform(trigger("{\"options\":{\"debounce\":{\"key\":\"k\",\"delay\":\"5s\",\"mode\":\"middle\"}}}"))
                .andExpect(status().isBadRequest());
        mvc.perform(trigger("{\"options\":{\"debounce\":{\"key\":\"" + "k".repeat(513) + "\",\"delay\":\"5s\"}}}"))
                .andExpect(status().isBadRequest());
        assertThat(runsOfTask()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"high\"", "\"1\"", "\"NaN\"", "NaN", "Infinity", "-Infinity", "1e400", "true", "{}", "[1]",
            "2147484", "-2147484", "2147483.5", "1e30", "-99999999999999999999"})
    void aPriorityThatIsNotAFiniteNumberOfSecondsInRangeIsA400WithAJsonError(String priority) throws Exception {
        mvc.perform(trigger("{\"options\":{\"priority\":" + priority + "}}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.error").isString());
        assertThat(runsOfTask()).isZero();
    }

    @Test
    void theLongestHeadStartEitherWayIsAccepted() throws Exception {
        String most = id(mvc.perform(trigger("{\"options\":{\"priority\":2147483}}")).andExpect(status().isOk()));
        String least = id(mvc.perform(trigger("{\"options\":{\"priority\":-2147483}}")).andExpect(status().isOk()));

        assertThat(row(most)).containsEntry("priority_ms", 2_147_483_000);
        assertThat(row(least)).containsEntry("priority_ms", -2_147_483_000);
    }

    @Test
    void aFractionalPriorityIsAHeadStartInMilliseconds() throws Exception {
        String none = id(mvc.perform(trigger("{\"options\":{\"priority\":0}}")).andExpect(status().isOk()));
        String half = id(mvc.perform(trigger("{\"options\":{\"priority\":0.5}}")).andExpect(status().isOk()));
        String quarter = id(mvc.perform(trigger("{\"options\":{\"priority\":2.25}}")).andExpect(status().isOk()));
        String rounded = id(mvc.perform(trigger("{\"options\":{\"priority\":1.0006}}")).andExpect(status().isOk()));

        // queued_at and queue_order_at come from one clock reading, so the head start shows exactly.
        assertThat(headStart(none)).isEqualTo(Duration.ZERO);
        assertThat(headStart(half)).isEqualTo(Duration.ofMillis(500));
        assertThat(headStart(quarter)).isEqualTo(Duration.ofMillis(2250));
        assertThat(row(half)).containsEntry("priority_ms", 500);
        assertThat(row(rounded)).as("rounded to whole milliseconds").containsEntry("priority_ms", 1001);
        // Triggered after the priority-0 run, the 0.5 s and 2.25 s runs still sort before it, the larger head start first.
        assertThat(queueOrder(quarter)).isBefore(queueOrder(half));
        assertThat(queueOrder(half)).isBefore(queueOrder(none));
    }

    @Test
    void theRunnerSeesAFractionalPriorityInSecondsAsTheSdkContextHasIt() throws Exception {
        ProvisionedWorkerGroup group = TestData.workerGroup(provisioning);
        String half = id(mvc.perform(trigger("{\"options\":{\"priority\":0.5}}")).andExpect(status().isOk()));
        String whole = id(mvc.perform(trigger("{\"options\":{\"priority\":3}}")).andExpect(status().isOk()));

        String claimed = mvc.perform(post("/engine/v1/worker-actions/dequeue")
                        .header("Authorization", "Bearer " + group.token())
                        .header("x-trigger-worker-environment-id", env.environment().id())
                        .contentType(MediaType.APPLICATION_JSON).content("{\"maxRuns\":10}"))
                .andExpect(status().isOk()).andReturn().getResponse().getContentAsString();

        List<String> order = JsonPath.read(claimed, "$[*].run.friendlyId");
        assertThat(order).containsExactly(whole, half);
        assertThat(claimed).containsPattern("\"priority\":3[,}]").containsPattern("\"priority\":0\\.5[,}]");
        assertThat(JsonPath.<List<Object>>read(claimed, "$[*].run.priorityMs")).isEmpty();
    }

    private Duration headStart(String friendlyId) {
        Map<String, Object> run = row(friendlyId);
        return Duration.between(queueOrder(friendlyId), ((java.sql.Timestamp) run.get("queued_at")).toInstant());
    }

    private Instant queueOrder(String friendlyId) {
        return ((java.sql.Timestamp) row(friendlyId).get("queue_order_at")).toInstant();
    }

    @Test
    void priorityIsAHeadStartInSecondsAndANegativeOneQueuesLater() throws Exception {
        String early = id(mvc.perform(trigger("{\"options\":{\"priority\":3600}}")).andExpect(status().isOk()));
        String negative = id(mvc.perform(trigger("{\"options\":{\"priority\":-30}}")).andExpect(status().isOk()));

        Map<String, Object> head = row(early);
        Instant created = ((java.sql.Timestamp) head.get("created_at")).toInstant();
        assertThat(((java.sql.Timestamp) head.get("queue_order_at")).toInstant())
                .isBetween(created.minusSeconds(3601), created.minusSeconds(3599));
        Map<String, Object> late = row(negative);
        assertThat(((java.sql.Timestamp) late.get("queue_order_at")).toInstant())
                .isAfter(((java.sql.Timestamp) late.get("created_at")).toInstant().plusSeconds(29));
    }

    @Test
    void aCancelledRunsIdempotencyKeyStillDeduplicates() throws Exception {
        String body = "{\"options\":{\"idempotencyKey\":\"cancel-me\"}}";
        String first = id(mvc.perform(trigger(body)).andExpect(status().isOk()));
        mvc.perform(post("/api/v2/runs/" + first + "/cancel").header("Authorization", "Bearer " + env.secretKey()))
                .andExpect(status().isOk());
        assertThat(row(first)).containsEntry("status", "CANCELED");

        mvc.perform(trigger(body)).andExpect(status().isOk())
                .andExpect(jsonPath("$.id").value(first)).andExpect(jsonPath("$.isCached").value(true));
        assertThat(runsOfTask()).isEqualTo(1);

        // The explicit reset releases it.
        mvc.perform(post("/api/v1/idempotencyKeys/cancel-me/reset").header("Authorization", "Bearer " + env.secretKey())
                        .contentType(MediaType.APPLICATION_JSON).content("{\"taskIdentifier\":\"notify\"}"))
                .andExpect(status().isOk());
        String afterReset = id(mvc.perform(trigger(body)).andExpect(status().isOk())
                .andExpect(jsonPath("$.isCached").value(false)));
        assertThat(afterReset).isNotEqualTo(first);
    }

    @Test
    void failedAndExpiredRunsReleaseTheirIdempotencyKey() throws Exception {
        for (String finalStatus : List.of("COMPLETED_WITH_ERRORS", "EXPIRED")) {
            String body = "{\"options\":{\"idempotencyKey\":\"release-" + finalStatus + "\"}}";
            String first = id(mvc.perform(trigger(body)).andExpect(status().isOk()));
            jdbc.sql("UPDATE task_runs SET status = ? WHERE friendly_id = ?").params(finalStatus, first).update();

            String second = id(mvc.perform(trigger(body)).andExpect(status().isOk())
                    .andExpect(jsonPath("$.isCached").value(false)));
            assertThat(second).as(finalStatus).isNotEqualTo(first);
        }
    }

    @Test
    void idempotencyKeyOptionsAreKeptWithTheRun() throws Exception {
        String id = id(mvc.perform(trigger("{\"options\":{\"idempotencyKey\":\"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\","
                + "\"idempotencyKeyOptions\":{\"key\":\"password\",\"scope\":\"global\"}}}")).andExpect(status().isOk()));

        assertThat(row(id)).containsEntry("idempotency_key_user", "password").containsEntry("idempotency_key_scope", "global");
        mvc.perform(trigger("{\"options\":{\"idempotencyKey\":\"x\",\"idempotencyKeyOptions\":{\"key\":\"x\",\"scope\":\"forever\"}}}"))
                .andExpect(status().isBadRequest());
    }
}
