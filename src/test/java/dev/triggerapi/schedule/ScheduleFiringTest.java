package dev.triggerapi.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.jayway.jsonpath.JsonPath;
import dev.triggerapi.deployment.WorkerTaskLookup;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The scheduler against the real cluster: two firers (two scheduler instances on one database) on a shared fake
 * clock. The context's own scheduler is off in the test profile.
 */
@IntegrationTest
class ScheduleFiringTest {

    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    ScheduleService schedules;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactionManager;
    @Autowired
    RunCreator runs;
    @Autowired
    WorkerTaskLookup workers;
    @Autowired
    JsonMapper json;
    @Autowired
    MockMvc mvc;

    private final MovableClock clock = new MovableClock(Instant.now());
    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    private AuthenticatedEnvironment env;

    @BeforeEach
    void environment() {
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION).environment();
        // These firers run ahead of the wall clock and claim any due schedule; schedules other test classes left
        // behind must not take the claims the assertions here count.
        jdbc.sql("UPDATE task_schedules SET active = false WHERE active").update();
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private ScheduleFirer firer() {
        return firer(claimed -> { });
    }

    private ScheduleFirer firer(Consumer<ScheduleFirer.Claimed> beforeCommit) {
        return new ScheduleFirer(jdbc, transactionManager, runs, workers, json,
                new ScheduleMetrics(new SimpleMeterRegistry()), clock, beforeCommit);
    }

    private String create(String task, String cron) {
        return schedules.create(env, new ScheduleRequest(task, cron, "dedup-" + task, "ext-" + task, null)).id();
    }

    private Instant nextRunAt(String scheduleId) {
        return jdbc.sql("SELECT next_run_at FROM task_schedules WHERE friendly_id = ?").param(scheduleId)
                .query((rs, n) -> rs.getTimestamp(1) == null ? null : rs.getTimestamp(1).toInstant()).single();
    }

    private record FiredRun(JsonNode payload, String payloadType, String idempotencyKey, String triggerSource) {
    }

    private List<FiredRun> firedRuns() {
        return jdbc.sql("""
                        SELECT payload, payload_type, idempotency_key, trigger_source FROM task_runs
                        WHERE runtime_environment_id = ? ORDER BY created_at, id""")
                .param(env.id())
                .query((rs, n) -> new FiredRun(json.readTree(rs.getString(1)).get("json"), rs.getString(2),
                        rs.getString(3), rs.getString(4)))
                .list();
    }

    private static List<Instant> timestamps(List<FiredRun> fired) {
        return fired.stream().map(r -> Instant.parse(r.payload().get("timestamp").asString())).toList();
    }

    /** The runs list's filter[schedule] finds the runs a schedule fired, and only those. */
    @Test
    void aFiredRunIsListedUnderItsSchedule() throws Exception {
        ProvisionedEnvironment provisioned = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        env = provisioned.environment();
        String listed = create("listed", "* * * * *");
        create("not-listed", "* * * * *");
        clock.set(nextRunAt(listed));
        assertThat(firer().fireDue(10)).isEqualTo(2);
        String run = jdbc.sql("SELECT friendly_id FROM task_runs WHERE runtime_environment_id = ? AND task_identifier = 'listed'")
                .param(env.id()).query(String.class).single();
        ReplicaLag.awaitCaughtUp(jdbc, transactionManager);

        String body = mvc.perform(get("/api/v1/runs").queryParam("filter[schedule]", listed)
                        .header("Authorization", "Bearer " + provisioned.secretKey()))
                .andExpect(status().isOk()).andReturn().getResponse().getContentAsString();

        assertThat(JsonPath.<List<String>>read(body, "$.data[*].id")).containsExactly(run);
    }

    @Test
    void twoInstancesFireSixtyInstantsExactlyOnceEachWithTheRightTimestamps() throws Exception {
        String id = create("every-minute", "* * * * *");
        Instant first = nextRunAt(id);
        clock.set(first);
        ScheduleFirer one = firer();
        ScheduleFirer two = firer();
        CyclicBarrier together = new CyclicBarrier(2);
        AtomicInteger created = new AtomicInteger();
        for (int i = 0; i < 60; i++) {
            CompletableFuture<?> a = CompletableFuture.runAsync(() -> fireTogether(one, together, created), threads);
            CompletableFuture<?> b = CompletableFuture.runAsync(() -> fireTogether(two, together, created), threads);
            CompletableFuture.allOf(a, b).get(60, TimeUnit.SECONDS);
            clock.advance(Duration.ofMinutes(1));
        }

        List<FiredRun> fired = firedRuns();
        List<Instant> expected = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            expected.add(first.plus(Duration.ofMinutes(i)));
        }
        assertThat(fired).hasSize(60);
        assertThat(timestamps(fired)).containsExactlyElementsOf(expected);
        assertThat(fired).allSatisfy(run -> {
            assertThat(run.payloadType()).isEqualTo("application/super+json");
            assertThat(run.triggerSource()).isEqualTo("SCHEDULED");
            assertThat(run.payload().get("scheduleId").asString()).isEqualTo(id);
            assertThat(run.payload().get("type").asString()).isEqualTo("IMPERATIVE");
            assertThat(run.payload().get("externalId").asString()).isEqualTo("ext-every-minute");
            assertThat(run.payload().get("timezone").asString()).isEqualTo("UTC");
            assertThat(run.payload().get("upcoming")).hasSize(5);
        });
        assertThat(fired.get(0).payload().has("lastTimestamp")).isFalse();
        assertThat(Instant.parse(fired.get(1).payload().get("lastTimestamp").asString())).isEqualTo(first);
        assertThat(Instant.parse(fired.get(1).payload().get("upcoming").get(0).asString()))
                .isEqualTo(first.plus(Duration.ofMinutes(2)));
        assertThat(fired.stream().map(FiredRun::idempotencyKey).distinct()).hasSize(60);
        assertThat(nextRunAt(id)).isEqualTo(first.plus(Duration.ofMinutes(60)));
    }

    private static void fireTogether(ScheduleFirer firer, CyclicBarrier together, AtomicInteger created) {
        try {
            together.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        created.addAndGet(firer.fireDue(10));
    }

    @Test
    void aDeactivatedScheduleFiresNothing() {
        String id = create("paused", "* * * * *");
        clock.set(nextRunAt(id));
        schedules.deactivate(env, id);
        for (int i = 0; i < 5; i++) {
            firer().fireDue(10);
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(firedRuns()).isEmpty();
    }

    @Test
    void afterDowntimeOnlyTheLatestMissedInstantFires() {
        String id = create("hourly", "0 * * * *");
        Instant first = nextRunAt(id);
        clock.set(first.plus(Duration.ofHours(5)).plus(Duration.ofMinutes(20)));
        firer().fireDue(10);
        firer().fireDue(10);
        assertThat(timestamps(firedRuns())).containsExactly(first.plus(Duration.ofHours(5)));
        assertThat(nextRunAt(id)).isEqualTo(first.plus(Duration.ofHours(6)));
    }

    @Test
    void anInstanceKilledAfterClaimingNeitherLosesNorDoublesTheInstant() throws Exception {
        String id = create("crash", "* * * * *");
        Instant due = nextRunAt(id);
        clock.set(due);
        CountDownLatch claimed = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        int[] backend = new int[1];
        ScheduleFirer doomed = firer(schedule -> {
            // Inside the claim transaction, after the run was inserted: remember this connection, then wait.
            backend[0] = jdbc.sql("SELECT pg_backend_pid()").query(Integer.class).single();
            claimed.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture<Integer> doomedTick = CompletableFuture.supplyAsync(() -> doomed.fireDue(1), threads);
        assertThat(claimed.await(30, TimeUnit.SECONDS)).isTrue();

        ScheduleFirer survivor = firer();
        assertThat(survivor.fireDue(10)).as("the claimed row is skipped, not waited for").isZero();

        // The instance "dies": its database session is terminated with the claim and the run uncommitted.
        jdbc.sql("SELECT pg_terminate_backend(?)").param(backend[0]).query(Boolean.class).single();
        release.countDown();
        assertThat(doomedTick.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(firedRuns()).isEmpty();

        assertThat(survivor.fireDue(10)).isEqualTo(1);
        assertThat(timestamps(firedRuns())).containsExactly(due);

        // A retry of the same instant (its claim replayed) finds the instant's run instead of making another.
        jdbc.sql("UPDATE task_schedules SET next_run_at = ? WHERE friendly_id = ?")
                .params(java.sql.Timestamp.from(due), id).update();
        assertThat(survivor.fireDue(10)).isZero();
        assertThat(timestamps(firedRuns())).containsExactly(due);
    }
}
