package dev.triggerapi.runlist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.replication.ReplicationFixtures;
import dev.triggerapi.run.RunCreator;
import org.awaitility.Awaitility;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * {@code GET /api/v1/runs} as the official SDK calls it. Run once against ClickHouse
 * ({@link RunsListFromClickHouseApiTest}) and once against the replica ({@link RunsListFromReplicaApiTest}).
 */
abstract class RunsListApiContract {

    private static final String ISO = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

    @Autowired
    MockMvc mvc;
    @Autowired
    ApplicationContext context;
    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;

    RunsListDataset data;

    @BeforeEach
    void createRuns() throws Exception {
        data = new RunsListDataset(provisioning, creator, new ReplicationFixtures(context).writer());
        // The list trails the writer (replica lag or replication lag): wait until it shows the final statuses.
        List<String> expected = data.newestFirst(i -> true);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            String body = list(Map.of("page[size]", "100"));
            assertThat(JsonPath.<List<String>>read(body, "$.data[*].id")).isEqualTo(expected);
            assertThat(JsonPath.<List<String>>read(body, "$.data[?(@.status == 'QUEUED')].id")).hasSize(2);
            // The dataset's last write gives the newest run its version: once that is listed, everything is.
            assertThat(ids(Map.of("filter[version]", RunsListDataset.V1))).contains(data.runs().get(11).friendlyId());
        });
    }

    private MockHttpServletRequestBuilder request(Map<String, String> params) {
        MockHttpServletRequestBuilder req = get("/api/v1/runs")
                .header("Authorization", "Bearer " + data.env().secretKey())
                .header("Content-Type", "application/json");
        params.forEach(req::queryParam);
        return req;
    }

    String list(Map<String, String> params) throws Exception {
        return mvc.perform(request(params)).andExpect(status().isOk()).andReturn().getResponse().getContentAsString();
    }

    List<String> ids(Map<String, String> params) throws Exception {
        return JsonPath.read(list(params), "$.data[*].id");
    }

    @Test
    void itemsHaveEveryFieldTheSdkRequiresAndNoNulls() throws Exception {
        String body = list(Map.of("page[size]", "100"));
        assertThat(body).doesNotContain("null");
        mvc.perform(request(Map.of("page[size]", "100")))
                .andExpect(jsonPath("$.pagination").isMap())
                .andExpect(jsonPath("$.pagination.next").doesNotExist())
                .andExpect(jsonPath("$.pagination.previous").doesNotExist())
                .andExpect(jsonPath("$.data", Matchers.hasSize(12)))
                .andExpect(jsonPath("$.data[*].status", Matchers.everyItem(Matchers.in(List.of("PENDING_VERSION", "QUEUED",
                        "DEQUEUED", "EXECUTING", "WAITING", "COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE",
                        "DELAYED", "EXPIRED", "TIMED_OUT")))))
                .andExpect(jsonPath("$.data[*].createdAt", Matchers.everyItem(Matchers.matchesPattern(ISO))))
                .andExpect(jsonPath("$.data[*].updatedAt", Matchers.everyItem(Matchers.matchesPattern(ISO))))
                .andExpect(jsonPath("$.data[*].env.id", Matchers.everyItem(Matchers.is(data.envId()))))
                .andExpect(jsonPath("$.data[*].env.name", Matchers.everyItem(Matchers.is(data.env().environment().slug()))))
                .andExpect(jsonPath("$.data[*].costInCents", Matchers.everyItem(Matchers.is(0))))
                .andExpect(jsonPath("$.data[*].baseCostInCents", Matchers.everyItem(Matchers.is(0))));
        for (String field : List.of("id", "status", "taskIdentifier", "isQueued", "isExecuting", "isWaiting", "isCompleted",
                "isSuccess", "isFailed", "isCancelled", "isTest", "createdAt", "updatedAt", "tags", "costInCents",
                "baseCostInCents", "durationMs", "env")) {
            assertThat(JsonPath.<List<Object>>read(body, "$.data[*]." + field)).as(field).hasSize(12);
        }
        // The oldest run completed successfully after 1.5 s of execution.
        String oldest = data.runs().get(0).friendlyId();
        mvc.perform(request(Map.of("page[size]", "100")))
                .andExpect(jsonPath("$.data[11].id").value(oldest))
                .andExpect(jsonPath("$.data[11].status").value("COMPLETED"))
                .andExpect(jsonPath("$.data[11].isCompleted").value(true))
                .andExpect(jsonPath("$.data[11].isSuccess").value(true))
                .andExpect(jsonPath("$.data[11].isFailed").value(false))
                .andExpect(jsonPath("$.data[11].durationMs").value(1500))
                .andExpect(jsonPath("$.data[11].startedAt", Matchers.matchesPattern(ISO)))
                .andExpect(jsonPath("$.data[11].finishedAt", Matchers.matchesPattern(ISO)))
                .andExpect(jsonPath("$.data[11].tags", Matchers.contains("a")))
                // index 3: RETRYING_AFTER_FAILURE is public QUEUED; index 8: CRASHED counts as failed.
                .andExpect(jsonPath("$.data[8].status").value("QUEUED"))
                .andExpect(jsonPath("$.data[8].isQueued").value(true))
                .andExpect(jsonPath("$.data[8].isTest").value(true))
                .andExpect(jsonPath("$.data[3].status").value("CRASHED"))
                .andExpect(jsonPath("$.data[3].isFailed").value(true))
                .andExpect(jsonPath("$.data[7].status").value("CANCELED"))
                .andExpect(jsonPath("$.data[7].isCancelled").value(true));
    }

    @Test
    void pagesWalkEveryRunNewestFirstExactlyOnceAndBackAgain() throws Exception {
        List<String> seen = new ArrayList<>();
        List<String> nextCursors = new ArrayList<>();
        String after = null;
        do {
            Map<String, String> params = after == null ? Map.of("page[size]", "5") : Map.of("page[size]", "5", "page[after]", after);
            String body = list(params);
            seen.addAll(JsonPath.read(body, "$.data[*].id"));
            Map<String, Object> pagination = JsonPath.read(body, "$.pagination");
            after = (String) pagination.get("next");
            assertThat(pagination.containsKey("previous")).isEqualTo(!nextCursors.isEmpty());
            if (after != null) {
                nextCursors.add(after);
            }
        } while (after != null);
        assertThat(seen).isEqualTo(data.newestFirst(i -> true));
        assertThat(nextCursors).hasSize(2);

        // From the last page, "previous" leads back to the middle page, then to the first.
        String lastPage = list(Map.of("page[size]", "5", "page[after]", nextCursors.get(1)));
        String previous = JsonPath.read(lastPage, "$.pagination.previous");
        String middle = list(Map.of("page[size]", "5", "page[before]", previous));
        assertThat(JsonPath.<List<String>>read(middle, "$.data[*].id")).isEqualTo(seen.subList(5, 10));
        String first = list(Map.of("page[size]", "5", "page[before]", JsonPath.read(middle, "$.pagination.previous")));
        assertThat(JsonPath.<List<String>>read(first, "$.data[*].id")).isEqualTo(seen.subList(0, 5));
        assertThat(JsonPath.<Map<String, Object>>read(first, "$.pagination")).doesNotContainKey("previous").containsKey("next");
    }

    @Test
    void filtersSelectExactlyTheMatchingRuns() throws Exception {
        assertThat(ids(Map.of("filter[status]", "COMPLETED"))).isEqualTo(data.newestFirst(i -> i == 0 || i == 5 || i == 11));
        assertThat(ids(Map.of("filter[status]", "QUEUED"))).isEqualTo(data.newestFirst(i -> i == 3 || i == 9));
        assertThat(ids(Map.of("filter[status]", "FAILED,CRASHED"))).isEqualTo(data.newestFirst(i -> i == 1 || i == 8));
        assertThat(ids(Map.of("filter[taskIdentifier]", "email,sync"))).isEqualTo(data.newestFirst(i -> i % 3 != 1));
        assertThat(ids(Map.of("filter[source]", "SCHEDULED"))).isEqualTo(data.newestFirst(i -> i % 3 == 1));
        assertThat(ids(Map.of("filter[tag]", "a"))).isEqualTo(data.newestFirst(i -> i % 4 == 0 || i % 4 == 2));
        assertThat(ids(Map.of("filter[tag]", "b,c"))).isEqualTo(data.newestFirst(i -> i % 4 == 1 || i % 4 == 2));
        assertThat(ids(Map.of("filter[isTest]", "true"))).isEqualTo(data.newestFirst(i -> i % 4 == 3));
        assertThat(ids(Map.of("filter[isTest]", "false", "filter[taskIdentifier]", "report", "filter[status]", "COMPLETED,EXECUTING")))
                .isEqualTo(data.newestFirst(i -> i % 4 != 3 && i % 3 == 1 && (i == 11)));

        // createdAt bounds are epoch milliseconds, both inclusive.
        long fifth = createdAtMillis(4);
        long eighth = createdAtMillis(7);
        assertThat(ids(Map.of("filter[createdAt][from]", Long.toString(fifth), "filter[createdAt][to]", Long.toString(eighth))))
                .isEqualTo(data.newestFirst(i -> {
                    long t = createdAtMillis(i);
                    return t >= fifth && t <= eighth;
                }));
        assertThat(ids(Map.of("filter[createdAt][period]", "1h"))).hasSize(12);
    }

    @Test
    void everyOtherFilterTheSdkSendsSelectsExactlyTheMatchingRuns() throws Exception {
        assertThat(ids(Map.of("filter[version]", RunsListDataset.V1)))
                .isEqualTo(data.newestFirst(i -> RunsListDataset.V1.equals(RunsListDataset.VERSIONS.get(i))));
        assertThat(ids(Map.of("filter[version]", RunsListDataset.V1 + "," + RunsListDataset.V2)))
                .isEqualTo(data.newestFirst(i -> RunsListDataset.VERSIONS.get(i) != null));
        assertThat(ids(Map.of("filter[region]", data.region(1))))
                .isEqualTo(data.newestFirst(i -> RunsListDataset.REGIONS.get(i) == 1));
        assertThat(ids(Map.of("filter[machine]", "small-1x,large-2x")))
                .isEqualTo(data.newestFirst(i -> Arrays.asList("small-1x", "large-2x").contains(RunsListDataset.MACHINES.get(i))));
        assertThat(ids(Map.of("filter[queue]", RunsListDataset.SHARED_QUEUE))).isEqualTo(data.newestFirst(i -> i % 4 == 2));
        assertThat(ids(Map.of("filter[queue]", "task/email"))).isEqualTo(data.newestFirst(i -> i % 3 == 0 && i % 4 != 2));
        // Batch "A" is stored bare on two runs and with its prefix on one: the filter finds all three, in either form.
        assertThat(ids(Map.of("filter[batch]", data.batch("A")))).isEqualTo(data.newestFirst(i -> i == 0 || i == 1 || i == 4));
        assertThat(ids(Map.of("filter[batch]", data.batch("A").substring("batch_".length()))))
                .isEqualTo(data.newestFirst(i -> i == 0 || i == 1 || i == 4));
        assertThat(ids(Map.of("filter[schedule]", data.schedule("S1")))).isEqualTo(data.newestFirst(i -> i == 1 || i == 4 || i == 10));
        assertThat(ids(Map.of("filter[version]", RunsListDataset.V1 + "," + RunsListDataset.V2, "filter[machine]", "small-1x",
                "filter[region]", data.region(1)))).isEqualTo(data.newestFirst(i -> i == 0));

        // Names that name nothing here select nothing (and are not errors): no such version, region, bulk action.
        assertThat(ids(Map.of("filter[version]", "19990101.1"))).isEmpty();
        assertThat(ids(Map.of("filter[region]", "nowhere"))).isEmpty();
        assertThat(ids(Map.of("filter[bulkAction]", "bulk_abc"))).isEmpty();
        assertThat(ids(Map.of("filter[batch]", data.batch("B"), "filter[schedule]", data.schedule("S2")))).isEmpty();
    }

    private long createdAtMillis(int index) {
        return new ReplicationFixtures(context).writer().sql("SELECT floor(extract(epoch FROM created_at) * 1000)::bigint FROM task_runs WHERE id = ?")
                .param(data.runs().get(index).id()).query(Long.class).single();
    }

    @Test
    void otherEnvironmentsRunsAreNeverListed() throws Exception {
        RunsListDataset other = new RunsListDataset(provisioning, creator, new ReplicationFixtures(context).writer());
        assertThat(ids(Map.of("page[size]", "100"))).doesNotContainAnyElementsOf(other.newestFirst(i -> true));
    }

    /**
     * The official SDK's {@code getNextPage()} re-sends the query with {@code page[after]} added, and
     * {@code getPreviousPage()} adds {@code page[before]} to that query: after one step each way both are present.
     */
    @Test
    void sdkPagingForwardThenBackThenForwardCarriesBothCursorsAndFollowsTheNewerOne() throws Exception {
        String first = list(Map.of("page[size]", "5"));
        String next = JsonPath.read(first, "$.pagination.next");
        String second = list(Map.of("page[size]", "5", "page[after]", next));
        String previous = JsonPath.read(second, "$.pagination.previous");

        String back = list(Map.of("page[size]", "5", "page[after]", next, "page[before]", previous));
        assertThat(JsonPath.<List<String>>read(back, "$.data[*].id")).isEqualTo(JsonPath.read(first, "$.data[*].id"));
        assertThat(JsonPath.<Map<String, Object>>read(back, "$.pagination")).doesNotContainKey("previous");

        String forward = list(Map.of("page[size]", "5", "page[after]", JsonPath.read(back, "$.pagination.next"),
                "page[before]", previous));
        assertThat(JsonPath.<List<String>>read(forward, "$.data[*].id")).isEqualTo(JsonPath.read(second, "$.data[*].id"));
    }

    @Test
    void twoCursorsOfTheSamePageCannotBeCombined() throws Exception {
        String first = list(Map.of("page[size]", "5"));
        String next = JsonPath.read(first, "$.pagination.next");
        String second = list(Map.of("page[size]", "5", "page[after]", next));
        mvc.perform(request(Map.of("page[size]", "5", "page[after]", JsonPath.read(second, "$.pagination.next"),
                        "page[before]", JsonPath.read(second, "$.pagination.previous"))))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error", Matchers.containsString("cannot be combined")));
    }

    @Test
    void invalidParametersAreBadRequestsWithAReadableError() throws Exception {
        Map<Map<String, String>, String> cases = Map.ofEntries(
                Map.entry(Map.of("filter[status]", "DONE"), "filter[status] has an unknown status 'DONE'"),
                Map.entry(Map.of("filter[source]", "CRON"), "filter[source] has an unknown source 'CRON'"),
                Map.entry(Map.of("filter[isTest]", "maybe"), "filter[isTest] must be true or false"),
                Map.entry(Map.of("filter[createdAt][from]", "yesterday"), "filter[createdAt][from] must be a time in epoch milliseconds"),
                Map.entry(Map.of("filter[createdAt][from]", "2000", "filter[createdAt][to]", "1000"), "is after"),
                Map.entry(Map.of("page[size]", "101"), "page[size] must be a whole number from 1 to 100"),
                Map.entry(Map.of("page[size]", "abc"), "page[size] must be a whole number from 1 to 100"),
                Map.entry(Map.of("page[after]", "not-a-cursor"), "page[after] is not a cursor from this API"),
                Map.entry(Map.of("page[after]", "x", "page[before]", "y"), "is not a cursor from this API"),
                Map.entry(Map.of("filter[machine]", "huge-9x"), "filter[machine] has an unknown machine 'huge-9x'"),
                Map.entry(Map.of("filter[batch]", "batch_"), "filter[batch] must be an id"),
                Map.entry(Map.of("filter[env]", "prod"), "filter[env] is not supported"));
        for (Map.Entry<Map<String, String>, String> c : cases.entrySet()) {
            mvc.perform(request(c.getKey()))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.error", Matchers.containsString(c.getValue())));
        }
    }
}
