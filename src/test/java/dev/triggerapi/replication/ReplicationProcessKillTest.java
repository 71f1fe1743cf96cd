package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.TestData;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;

/**
 * The process running the replication is killed ({@code SIGKILL}: no shutdown hook, no last offset flush, inserts
 * and acknowledgements cut wherever they were) in the middle of a burst of 20,000 row changes; a new process
 * resumes from the stored offsets and ClickHouse ends exactly equal to PostgreSQL.
 */
@ReplicationIntegrationTest
class ReplicationProcessKillTest {

    private static final int RUNS = 5_000;
    private static final int WRITERS = 4;
    private static final Duration WAIT = Duration.ofMinutes(6);

    @Autowired
    ApplicationContext context;
    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    Environment environment;

    @Test
    void killingTheServiceProcessMidBurstLosesNothingAfterRestart() throws Exception {
        ReplicationFixtures fixtures = new ReplicationFixtures(context);
        RunReplicationProperties settings = fixtures.isolatedSettings("kill");
        ClickHouseClient clickHouse = fixtures.clickHouse(settings);
        String envId = TestData.environment(provisioning, EnvironmentType.PRODUCTION).environment().id();
        HikariDataSource pool = context.getBean("writerDataSource", HikariDataSource.class);
        List<String> args = List.of(pool.getJdbcUrl(), pool.getUsername(), pool.getPassword() == null ? "" : pool.getPassword(),
                environment.getRequiredProperty("spring.data.redis.host"), environment.getRequiredProperty("spring.data.redis.port"),
                settings.clickhouse().url(), settings.clickhouse().database(), settings.slotName(), settings.publicationName());
        Path logs = Files.createTempDirectory("replication-kill");
        Process first = ReplicationProcess.start(args, logs.resolve("first.log"));
        Process second = null;
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        try {
            Awaitility.await().atMost(WAIT).until(() -> ReplicationProcess.streaming(logs.resolve("first.log").toFile()));

            List<Future<?>> burst = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                burst.add(writers.submit(() -> {
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < RUNS / WRITERS; i++) {
                        ids.add(ReplicationFixtures.create(creator, envId).id());
                    }
                    for (String status : List.of("DEQUEUED", "EXECUTING", "COMPLETED_SUCCESSFULLY")) {
                        for (String id : ids) {
                            fixtures.writer().sql("UPDATE task_runs SET status = ?, updated_at = clock_timestamp() WHERE id = ?")
                                    .params(status, id).update();
                        }
                    }
                    return null;
                }));
            }
            // Kill as soon as the stream has written part of the burst: the writers are still going, so batches are
            // being decoded, inserted and acknowledged at that moment.
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                    .until(() -> !ReplicationFixtures.clickHouseRuns(clickHouse, envId).isEmpty());
            first.destroyForcibly();
            assertThat(first.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            boolean burstDoneAtKill = burst.stream().allMatch(Future::isDone);
            for (Future<?> f : burst) {
                f.get();
            }
            assertThat(burstDoneAtKill).as("the process was killed while the burst was still being written").isFalse();
            assertThat(ReplicationFixtures.clickHouseRuns(clickHouse, envId))
                    .as("ClickHouse holds only part of the burst after the kill")
                    .isNotEqualTo(fixtures.postgresRuns(envId));

            second = ReplicationProcess.start(args, logs.resolve("second.log"));
            fixtures.awaitClickHouseEqualsPostgres(clickHouse, envId, WAIT);
            assertThat(ReplicationFixtures.clickHouseRuns(clickHouse, envId)).hasSize(RUNS);
        } finally {
            writers.shutdownNow();
            first.destroyForcibly();
            if (second != null) {
                second.destroyForcibly();
                second.waitFor();
            }
            fixtures.cleanUp(settings);
        }
    }
}
