package dev.triggerapi.runlist;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.replication.ReplicationFixtures;
import dev.triggerapi.replication.ReplicationIntegrationTest;
import dev.triggerapi.run.RunCreator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/**
 * The same request gives the same page from ClickHouse and from the replica: every page of every filter
 * combination, walked forward with {@code next} and back with {@code previous}.
 */
@ReplicationIntegrationTest
class RunsListEquivalenceTest {

    @Autowired
    ApplicationContext context;
    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    ClickHouseClient clickHouse;
    @Autowired
    ReplicaRunListStore replicaStore;
    @Autowired
    Clock clock;
    @Autowired
    RunListNames names;

    @Test
    void clickHouseAndReplicaAnswerEveryPageOfEveryFilterIdentically() {
        ReplicationFixtures fixtures = new ReplicationFixtures(context);
        RunsListDataset data = new RunsListDataset(provisioning, creator, fixtures.writer());
        // A second batch on the same environment widens every filter (and adds a deleted run).
        for (int i = 0; i < 12; i++) {
            ReplicationFixtures.create(creator, data.envId());
        }
        fixtures.writer().sql("DELETE FROM task_runs WHERE id = ?").param(data.runs().get(2).id()).update();
        fixtures.awaitClickHouseEqualsPostgres(clickHouse, data.envId(), Duration.ofSeconds(60));

        RunListService fromClickHouse = new RunListService(new ClickHouseRunListStore(clickHouse), null, names);
        RunListService fromReplica = new RunListService(replicaStore, null, names);
        RunListQueryParser parser = new RunListQueryParser(clock);
        AuthenticatedEnvironment env = data.env().environment();
        List<Map<String, List<String>>> filters = List.of(
                Map.of(),
                Map.of("filter[status]", List.of("COMPLETED")),
                Map.of("filter[status]", List.of("QUEUED,EXECUTING,WAITING")),
                Map.of("filter[taskIdentifier]", List.of("email")),
                Map.of("filter[tag]", List.of("a")),
                Map.of("filter[source]", List.of("AGENT,SCHEDULED")),
                Map.of("filter[isTest]", List.of("false"), "filter[status]", List.of("QUEUED")),
                Map.of("filter[createdAt][period]", List.of("1d"), "filter[taskIdentifier]", List.of("task-a,report")),
                Map.of("filter[version]", List.of(RunsListDataset.V1)),
                Map.of("filter[version]", List.of(RunsListDataset.V1 + "," + RunsListDataset.V2),
                        "filter[machine]", List.of("small-1x,large-2x")),
                Map.of("filter[region]", List.of(data.region(1) + "," + data.region(2)), "filter[status]", List.of("COMPLETED,FAILED,EXECUTING,WAITING")),
                Map.of("filter[machine]", List.of("small-1x")),
                Map.of("filter[queue]", List.of(RunsListDataset.SHARED_QUEUE + ",task/task-a")),
                Map.of("filter[batch]", List.of(data.batch("A"))),
                Map.of("filter[batch]", List.of(data.batch("B")), "filter[tag]", List.of("a,b,c")),
                Map.of("filter[schedule]", List.of(data.schedule("S1")), "filter[source]", List.of("SCHEDULED")),
                Map.of("filter[schedule]", List.of(data.schedule("S1") + "," + data.schedule("S2")),
                        "filter[version]", List.of(RunsListDataset.V1 + "," + RunsListDataset.V2),
                        "filter[region]", List.of(data.region(1) + "," + data.region(2)),
                        "filter[isTest]", List.of("false")));

        // The replica may trail the writer: wait until it has the final state too.
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(walk(fromReplica, parser, env, Map.of(), 100))
                .isEqualTo(walk(fromClickHouse, parser, env, Map.of(), 100)));
        for (Map<String, List<String>> filter : filters) {
            for (int size : List.of(1, 5, 100)) {
                List<RunListPage> clickHousePages = walk(fromClickHouse, parser, env, filter, size);
                assertThat(walk(fromReplica, parser, env, filter, size)).as("%s, page size %d", filter, size)
                        .isEqualTo(clickHousePages);
                assertThat(clickHousePages.get(0).data()).as("%s", filter).isNotEmpty();
            }
        }
    }

    /** Every page forward via next, then every page back via previous from the last one. */
    private static List<RunListPage> walk(RunListService list, RunListQueryParser parser, AuthenticatedEnvironment env,
                                          Map<String, List<String>> filter, int size) {
        List<RunListPage> pages = new ArrayList<>();
        Map<String, List<String>> params = new LinkedHashMap<>(filter);
        params.put("page[size]", List.of(Integer.toString(size)));
        RunListPage page = list.page(env, parser.parse(env.id(), params));
        pages.add(page);
        while (page.pagination().next() != null) {
            params.put("page[after]", List.of(page.pagination().next()));
            page = list.page(env, parser.parse(env.id(), params));
            pages.add(page);
        }
        params.remove("page[after]");
        while (page.pagination().previous() != null) {
            params.put("page[before]", List.of(page.pagination().previous()));
            page = list.page(env, parser.parse(env.id(), params));
            pages.add(page);
        }
        return pages;
    }
}
