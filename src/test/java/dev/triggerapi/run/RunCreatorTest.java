package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

@IntegrationTest
class RunCreatorTest {

    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;

    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
    }

    private NewRun run(String idempotencyKey, Instant delayUntil) {
        return new NewRun(NewRun.Placement.of(env.environment().id(), "task-a", "task/task-a"),
                new NewRun.Payload("{\"a\":1}", "application/json", null, null, List.of("t1")),
                NewRun.Idempotency.of(idempotencyKey, idempotencyKey == null ? null : Instant.now().plusSeconds(3600)),
                new NewRun.Timing(delayUntil, "10m", 600L, 3, null), NewRun.Origin.STANDARD);
    }

    @Test
    void runIsCreatedWithItsFirstSnapshotInOneTransaction() {
        CreatedRun created = creator.create(run(null, null));

        assertThat(created.friendlyId()).isEqualTo("run_" + created.id());
        assertThat(created.status()).isEqualTo(RunStatus.QUEUED);
        var snap = jdbc.sql("SELECT id, sequence, execution_status FROM execution_snapshots WHERE run_id = ?")
                .param(created.id()).query().listOfRows();
        assertThat(snap).hasSize(1);
        assertThat(snap.get(0)).containsEntry("id", created.snapshotId()).containsEntry("sequence", 1)
                .containsEntry("execution_status", "QUEUED");
        assertThat(jdbc.sql("SELECT expires_at IS NOT NULL FROM task_runs WHERE id = ?").param(created.id())
                .query(Boolean.class).single()).isTrue();
        // Written by the run's own INSERT (one statement with the snapshot), not by a later UPDATE.
        var row = jdbc.sql("SELECT latest_snapshot_id, snapshot_sequence, updated_at FROM task_runs WHERE id = ?")
                .param(created.id()).query((rs, n) -> List.of(rs.getString(1), rs.getInt(2),
                        rs.getObject(3, java.time.OffsetDateTime.class).toInstant())).single();
        assertThat(row).containsExactly(created.snapshotId(), 1, created.updatedAt());
    }

    @Test
    void futureDelayCreatesADelayedRunWithoutExpiry() {
        CreatedRun created = creator.create(run(null, Instant.now().plusSeconds(60)));
        assertThat(created.status()).isEqualTo(RunStatus.DELAYED);
        assertThat(jdbc.sql("SELECT execution_status FROM execution_snapshots WHERE run_id = ?").param(created.id())
                .query(String.class).single()).isEqualTo("DELAYED");
    }

    @Test
    void concurrentTriggersWithOneKeyCreateExactlyOneRun() throws Exception {
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<CreatedRun>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            results.add(pool.submit(() -> {
                start.await();
                return creator.create(run("same-key", null));
            }));
        }
        start.countDown();
        List<CreatedRun> runs = new ArrayList<>();
        for (Future<CreatedRun> f : results) {
            runs.add(f.get());
        }
        pool.shutdown();

        assertThat(runs.stream().map(CreatedRun::id).distinct()).hasSize(1);
        assertThat(runs.stream().filter(r -> !r.cached())).hasSize(1);
        assertThat(jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(Integer.class).single()).isEqualTo(1);
        // The fifteen that met the held key wrote no first snapshot either.
        assertThat(jdbc.sql("SELECT count(*) FROM execution_snapshots WHERE runtime_environment_id = ?")
                .param(env.environment().id()).query(Integer.class).single()).isEqualTo(1);
    }

    @Test
    void keyOfAFailedRunIsReleasedAndANewRunCreated() {
        CreatedRun first = creator.create(run("k", null));
        jdbc.sql("UPDATE task_runs SET status = 'COMPLETED_WITH_ERRORS' WHERE id = ?").param(first.id()).update();

        CreatedRun second = creator.create(run("k", null));

        assertThat(second.cached()).isFalse();
        assertThat(second.id()).isNotEqualTo(first.id());
        assertThat(jdbc.sql("SELECT idempotency_key FROM task_runs WHERE id = ?").param(first.id())
                .query(String.class).optional()).isEmpty();
    }

    @Test
    void repeatedKeyReturnsTheExistingRunAsCached() {
        CreatedRun first = creator.create(run("k2", null));
        CreatedRun again = creator.create(run("k2", null));
        assertThat(again.cached()).isTrue();
        assertThat(again.id()).isEqualTo(first.id());
    }
}
