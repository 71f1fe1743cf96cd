package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.local.LocalClickHouse;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/** ClickHouse goes away while runs are created and changed; once it is back, it holds exactly what PostgreSQL holds. */
@ReplicationIntegrationTest
class ClickHouseOutageTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @Autowired
    ApplicationContext context;
    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    ClickHouseClient clickHouse;
    @Autowired
    RunReplicator replicator;
    @Autowired
    MeterRegistry meters;

    @Test
    void clickHouseEqualsPostgresAfterAnOutageDuringInsertsAndUpdates() {
        ReplicationFixtures fixtures = new ReplicationFixtures(context);
        String envId = TestData.environment(provisioning, EnvironmentType.PRODUCTION).environment().id();
        List<CreatedRun> runs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            runs.add(ReplicationFixtures.create(creator, envId));
        }
        fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);
        double retriesBefore = meters.get("runs_replication.insert_retries").counter().count();

        LocalClickHouse server = LocalClickHouse.sharedIfRunning();
        server.stop();
        try {
            for (int i = 0; i < 10; i++) {
                runs.add(ReplicationFixtures.create(creator, envId));
            }
            for (int i = 0; i < runs.size(); i += 3) {
                fixtures.writer().sql("UPDATE task_runs SET status = 'COMPLETED_SUCCESSFULLY', completed_at = now() WHERE id = ?")
                        .param(runs.get(i).id()).update();
            }
            fixtures.writer().sql("DELETE FROM task_runs WHERE id = ?").param(runs.get(1).id()).update();
            // The stream has met the outage (retrying, or stopped and reconnecting) before ClickHouse returns.
            Awaitility.await().atMost(WAIT).until(() ->
                    meters.get("runs_replication.insert_retries").counter().count() > retriesBefore
                            || replicator.status().state() == RunReplicator.State.RECONNECTING);
        } finally {
            server.start();
        }

        fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);
        Awaitility.await().atMost(WAIT).until(() -> replicator.status().state() == RunReplicator.State.STREAMING);
        assertThat(ReplicationFixtures.clickHouseRuns(clickHouse, envId)).hasSize(19);
    }
}
