package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import dev.triggerapi.support.TestRuns;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.event.ApplicationEvents;
import org.springframework.test.context.event.RecordApplicationEvents;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@IntegrationTest
@RecordApplicationEvents
class RunLifecycleTest {

    private static final String SUCCESS = "{\"ok\":true,\"output\":\"{\\\"json\\\":{\\\"answer\\\":42}}\",\"outputType\":\"application/super+json\"}";
    private static final String FAILURE = "{\"ok\":false,\"error\":{\"message\":\"boom\",\"name\":\"Error\",\"stackTrace\":\"at task\"}}";

    @Autowired
    MockMvc mvc;
    @Autowired
    JsonMapper json;
    @Autowired
    RunCreator creator;
    @Autowired
    RunEngine engine;
    @Autowired
    RunSweeper sweeper;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    ApplicationEvents events;

    private ProvisionedEnvironment env;
    private ProvisionedWorkerGroup workerGroup;
    private RunnerApi runner;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        workerGroup = TestData.workerGroup(provisioning);
        runner = new RunnerApi(mvc, json, workerGroup.token(), env.environment().id());
    }

    private TestRuns run(String task) {
        return TestRuns.run(env.environment().id(), task);
    }

    private List<Map<String, Object>> history(String runId) {
        return jdbc.sql("SELECT id, sequence, execution_status, run_status, attempt_number FROM execution_snapshots "
                + "WHERE run_id = ? ORDER BY sequence").param(runId).query().listOfRows();
    }

    private static List<Object> column(List<Map<String, Object>> rows, String column) {
        return rows.stream().map(r -> r.get(column)).toList();
    }

    private String status(String runId) {
        return jdbc.sql("SELECT status FROM task_runs WHERE id = ?").param(runId).query(String.class).single();
    }

    private JsonNode dequeueOne() throws Exception {
        List<JsonNode> items = runner.dequeue(1);
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private JsonNode dequeueAndStart(CreatedRun created) throws Exception {
        JsonNode item = dequeueOne();
        assertThat(item.at("/run/friendlyId").stringValue()).isEqualTo(created.friendlyId());
        return runner.ok(runner.start(created.friendlyId(), item.at("/snapshot/id").stringValue()));
    }

    @Test
    void runGoesFromTriggerToSuccessWithAGapFreeOrderedSnapshotHistory() throws Exception {
        CreatedRun created = creator.create(run("happy").build());

        JsonNode dequeued = dequeueOne();
        assertThat(dequeued.at("/run/friendlyId").stringValue()).isEqualTo(created.friendlyId());
        assertThat(dequeued.at("/run/status").stringValue()).isEqualTo("DEQUEUED");
        assertThat(dequeued.at("/run/payload").stringValue()).isEqualTo("{\"json\":{\"hello\":\"world\"}}");
        assertThat(dequeued.at("/snapshot/executionStatus").stringValue()).isEqualTo("PENDING_EXECUTING");

        JsonNode started = runner.ok(runner.start(created.friendlyId(), dequeued.at("/snapshot/id").stringValue()));
        assertThat(started.at("/run/status").stringValue()).isEqualTo("EXECUTING");
        assertThat(started.at("/run/attemptNumber").intValue()).isEqualTo(1);
        assertThat(started.at("/snapshot/executionStatus").stringValue()).isEqualTo("EXECUTING");

        JsonNode completed = runner.ok(runner.complete(created.friendlyId(), started.at("/snapshot/id").stringValue(), SUCCESS));
        assertThat(completed.at("/run/status").stringValue()).isEqualTo("COMPLETED_SUCCESSFULLY");
        assertThat(completed.at("/snapshot/executionStatus").stringValue()).isEqualTo("FINISHED");

        List<Map<String, Object>> history = history(created.id());
        assertThat(column(history, "sequence")).containsExactly(1, 2, 3, 4);
        assertThat(column(history, "execution_status")).containsExactly("QUEUED", "PENDING_EXECUTING", "EXECUTING", "FINISHED");
        assertThat(column(history, "run_status")).containsExactly("QUEUED", "DEQUEUED", "EXECUTING", "COMPLETED_SUCCESSFULLY");
        assertThat(column(history, "attempt_number")).containsExactly(0, 0, 1, 1);
        Map<String, Object> row = jdbc.sql("SELECT status, latest_snapshot_id, snapshot_sequence, output, output_type, "
                        + "started_at <= completed_at AS ordered, lease_expires_at FROM task_runs WHERE id = ?")
                .param(created.id()).query().singleRow();
        assertThat(row).containsEntry("status", "COMPLETED_SUCCESSFULLY")
                .containsEntry("latest_snapshot_id", completed.at("/snapshot/id").stringValue())
                .containsEntry("snapshot_sequence", 4)
                .containsEntry("output", "{\"json\":{\"answer\":42}}")
                .containsEntry("output_type", "application/super+json")
                .containsEntry("ordered", true);
        assertThat(row.get("lease_expires_at")).isNull();
    }

    @Test
    void everyStateChangePublishesTheCommittedUpdatedAt() throws Exception {
        CreatedRun created = creator.create(run("events").build());
        JsonNode started = dequeueAndStart(created);

        List<RunChangedEvent> published = events.stream(RunChangedEvent.class)
                .filter(e -> e.runId().equals(created.id())).toList();
        // trigger, dequeue, start: each a change with a strictly later watermark
        assertThat(published).hasSize(3);
        assertThat(published).extracting(RunChangedEvent::updatedAt).isSorted().doesNotHaveDuplicates();
        Instant committed = jdbc.sql("SELECT updated_at FROM task_runs WHERE id = ?").param(created.id())
                .query(Timestamp.class).single().toInstant();
        assertThat(published.get(2).updatedAt()).isEqualTo(committed);
        assertThat(published.get(2).friendlyId()).isEqualTo(created.friendlyId());
        assertThat(published.get(2).environmentId()).isEqualTo(env.environment().id());
        assertThat(started.at("/run/status").stringValue()).isEqualTo("EXECUTING");
    }

    @Test
    void failedAttemptWithAttemptsLeftWaitsOutABackoffThenIsQueuedAgain() throws Exception {
        CreatedRun created = creator.create(run("flaky").maxAttempts(2).build());
        JsonNode started = dequeueAndStart(created);

        JsonNode failed = runner.ok(runner.complete(created.friendlyId(), started.at("/snapshot/id").stringValue(), FAILURE));
        assertThat(failed.at("/run/status").stringValue()).isEqualTo("RETRYING_AFTER_FAILURE");
        assertThat(failed.at("/snapshot/executionStatus").stringValue()).isEqualTo("DELAYED");
        Instant retryAt = jdbc.sql("SELECT retry_at FROM task_runs WHERE id = ?").param(created.id())
                .query(Timestamp.class).single().toInstant();
        assertThat(retryAt).isAfter(Instant.parse(failed.at("/snapshot/createdAt").stringValue()));
        assertThat(runner.dequeue(5)).as("nothing to dequeue during the backoff").isEmpty();

        // Let the backoff end now rather than sleeping through it.
        jdbc.sql("UPDATE task_runs SET retry_at = clock_timestamp() - interval '1 second' WHERE id = ?")
                .param(created.id()).update();
        sweeper.sweepOnce();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> status(created.id()).equals("QUEUED"));

        JsonNode second = dequeueAndStart(created);
        assertThat(second.at("/run/attemptNumber").intValue()).isEqualTo(2);
        JsonNode last = runner.ok(runner.complete(created.friendlyId(), second.at("/snapshot/id").stringValue(), FAILURE));
        assertThat(last.at("/run/status").stringValue()).isEqualTo("COMPLETED_WITH_ERRORS");
        assertThat(last.at("/snapshot/executionStatus").stringValue()).isEqualTo("FINISHED");

        List<Map<String, Object>> history = history(created.id());
        assertThat(column(history, "run_status")).containsExactly("QUEUED", "DEQUEUED", "EXECUTING",
                "RETRYING_AFTER_FAILURE", "QUEUED", "DEQUEUED", "EXECUTING", "COMPLETED_WITH_ERRORS");
        assertThat(column(history, "sequence")).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(jdbc.sql("SELECT error->>'message' FROM task_runs WHERE id = ?").param(created.id())
                .query(String.class).single()).isEqualTo("boom");
    }

    @Test
    void failureTheRunnerMarksAsNotRetryableFailsTheRunAtOnce() throws Exception {
        CreatedRun created = creator.create(run("abort").maxAttempts(5).build());
        JsonNode started = dequeueAndStart(created);

        JsonNode failed = runner.ok(runner.complete(created.friendlyId(), started.at("/snapshot/id").stringValue(),
                "{\"ok\":false,\"error\":\"aborted\",\"skipRetrying\":true}"));

        assertThat(failed.at("/run/status").stringValue()).isEqualTo("COMPLETED_WITH_ERRORS");
        assertThat(jdbc.sql("SELECT error->>'message' FROM task_runs WHERE id = ?").param(created.id())
                .query(String.class).single()).isEqualTo("aborted");
    }

    @Test
    void queuedRunPastItsTtlExpiresAndReleasesItsIdempotencyKey() {
        CreatedRun created = creator.create(run("short-lived").ttl("1s", 1).idempotencyKey("ttl-key").build());

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> status(created.id()).equals("EXPIRED"));

        Map<String, Object> row = jdbc.sql("SELECT idempotency_key, expired_at IS NOT NULL AS expired, "
                + "expired_at >= expires_at AS after_deadline FROM task_runs WHERE id = ?").param(created.id()).query().singleRow();
        assertThat(row.get("idempotency_key")).isNull();
        assertThat(row).containsEntry("expired", true).containsEntry("after_deadline", true);
        List<Map<String, Object>> history = history(created.id());
        assertThat(column(history, "execution_status")).containsExactly("QUEUED", "FINISHED");
        assertThat(column(history, "run_status")).containsExactly("QUEUED", "EXPIRED");

        CreatedRun again = creator.create(run("short-lived").ttl("1s", 1).idempotencyKey("ttl-key").build());
        assertThat(again.cached()).isFalse();
        assertThat(again.id()).isNotEqualTo(created.id());
    }

    @Test
    void runPastItsTtlIsNeverDequeuedEvenBeforeTheSweeperExpiresIt() throws Exception {
        CreatedRun created = creator.create(run("stale").ttl("10m", 600).build());
        jdbc.sql("UPDATE task_runs SET expires_at = clock_timestamp() - interval '1 second' WHERE id = ?")
                .param(created.id()).update();

        assertThat(runner.dequeue(5)).isEmpty();
    }

    @Test
    void delayedRunBecomesDequeueableAtItsTimeAndItsTtlStartsThen() throws Exception {
        Instant delayUntil = Instant.now().plusMillis(1200);
        CreatedRun created = creator.create(run("later").delayUntil(delayUntil).ttl("10m", 600).build());
        assertThat(created.status()).isEqualTo(RunStatus.DELAYED);
        assertThat(runner.dequeue(5)).isEmpty();

        List<JsonNode> items = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> items.addAll(runner.dequeue(5)));

        assertThat(items).extracting(i -> i.at("/run/friendlyId").stringValue()).containsExactly(created.friendlyId());
        Map<String, Object> row = jdbc.sql("SELECT queued_at >= delay_until AS on_time, "
                + "expires_at = queued_at + interval '600 seconds' AS ttl_from_queue FROM task_runs WHERE id = ?")
                .param(created.id()).query().singleRow();
        assertThat(row).containsEntry("on_time", true).containsEntry("ttl_from_queue", true);
        assertThat(column(history(created.id()), "execution_status")).containsExactly("DELAYED", "QUEUED", "PENDING_EXECUTING");
    }

    @Test
    void runWhoseRunnerLeaseLapsesIsQueuedAgain() throws Exception {
        CreatedRun created = creator.create(run("lost-runner").maxAttempts(3).build());
        dequeueAndStart(created);

        jdbc.sql("UPDATE task_runs SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = ?")
                .param(created.id()).update();
        sweeper.sweepOnce();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> status(created.id()).equals("QUEUED"));

        JsonNode restarted = dequeueAndStart(created);
        assertThat(restarted.at("/run/attemptNumber").intValue()).isEqualTo(2);
        assertThat(column(history(created.id()), "run_status"))
                .containsExactly("QUEUED", "DEQUEUED", "EXECUTING", "QUEUED", "DEQUEUED", "EXECUTING");
    }

    @Test
    void leaseLapseAfterTheLastAttemptIsASystemFailure() throws Exception {
        CreatedRun created = creator.create(run("lost-last").maxAttempts(1).build());
        dequeueAndStart(created);

        jdbc.sql("UPDATE task_runs SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = ?")
                .param(created.id()).update();
        sweeper.sweepOnce();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> status(created.id()).equals("SYSTEM_FAILURE"));

        assertThat(column(history(created.id()), "execution_status")).endsWith("FINISHED");
        assertThat(jdbc.sql("SELECT error->>'name' FROM task_runs WHERE id = ?").param(created.id())
                .query(String.class).single()).isEqualTo("LeaseExpired");
    }

    @Test
    void heartbeatExtendsTheLeaseWithoutANewSnapshot() throws Exception {
        CreatedRun created = creator.create(run("beating").build());
        JsonNode started = dequeueAndStart(created);
        Instant firstLease = Instant.parse(started.at("/run/leaseExpiresAt").stringValue());

        JsonNode beat = runner.ok(runner.heartbeat(created.friendlyId(), started.at("/snapshot/id").stringValue()));

        Instant extended = Instant.parse(beat.at("/leaseExpiresAt").stringValue());
        assertThat(beat.at("/ok").booleanValue()).isTrue();
        assertThat(extended).isAfter(firstLease);
        assertThat(jdbc.sql("SELECT lease_expires_at FROM task_runs WHERE id = ?").param(created.id())
                .query(Timestamp.class).single().toInstant()).isEqualTo(extended);
        assertThat(history(created.id())).hasSize(3);
    }

    @Test
    void actionsOnAStaleSnapshotAre409WithTheCurrentSnapshot() throws Exception {
        CreatedRun created = creator.create(run("stale-actions").build());
        JsonNode dequeued = dequeueOne();
        String old = dequeued.at("/snapshot/id").stringValue();
        JsonNode started = runner.ok(runner.start(created.friendlyId(), old));
        String current = started.at("/snapshot/id").stringValue();

        for (MvcResult refused : List.of(runner.start(created.friendlyId(), old),
                runner.complete(created.friendlyId(), old, SUCCESS),
                runner.heartbeat(created.friendlyId(), old))) {
            assertThat(refused.getResponse().getStatus()).isEqualTo(409);
            assertThat(refused.getResponse().getHeader("x-should-retry")).isEqualTo("false");
            JsonNode body = runner.body(refused);
            assertThat(body.at("/error").stringValue()).contains(old);
            assertThat(body.at("/snapshot/id").stringValue()).isEqualTo(current);
            assertThat(body.at("/snapshot/executionStatus").stringValue()).isEqualTo("EXECUTING");
        }
        assertThat(status(created.id())).isEqualTo("EXECUTING");
        assertThat(history(created.id())).hasSize(3);
    }

    @Test
    void actionThatDoesNotFitTheRunsStateIs409() throws Exception {
        CreatedRun created = creator.create(run("wrong-state").build());
        JsonNode dequeued = dequeueOne();

        MvcResult refused = runner.complete(created.friendlyId(), dequeued.at("/snapshot/id").stringValue(), SUCCESS);

        assertThat(refused.getResponse().getStatus()).isEqualTo(409);
        assertThat(runner.body(refused).at("/snapshot/executionStatus").stringValue()).isEqualTo("PENDING_EXECUTING");
    }

    @Test
    void twoRunnersRacingOnOneSnapshotCannotBothMoveTheRun() throws Exception {
        CreatedRun created = creator.create(run("race").build());
        String snapshot = dequeueOne().at("/snapshot/id").stringValue();
        int runners = 8;
        ExecutorService pool = Executors.newFixedThreadPool(runners);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Object>> outcomes = new ArrayList<>();
        for (int i = 0; i < runners; i++) {
            outcomes.add(pool.submit(() -> {
                go.await();
                return catchThrowable(() -> engine.startAttempt(
                        new RunAction(workerGroup.id(), null, created.friendlyId(), snapshot))) == null ? "started" : "refused";
            }));
        }
        go.countDown();
        List<Object> results = new ArrayList<>();
        for (Future<Object> outcome : outcomes) {
            results.add(outcome.get());
        }
        pool.shutdown();

        assertThat(results).filteredOn("started"::equals).hasSize(1);
        assertThat(results).filteredOn("refused"::equals).hasSize(runners - 1);
        assertThat(column(history(created.id()), "attempt_number")).containsExactly(0, 0, 1);
    }

    @Test
    void actionOnAnUnknownRunIs404() throws Exception {
        MvcResult result = runner.start("run_" + Ids.newId(), Ids.newId());
        assertThat(result.getResponse().getStatus()).isEqualTo(404);
        assertThat(runner.body(result).at("/error").stringValue()).startsWith("Run not found");
    }

    @Test
    void runnerScopedToAnotherEnvironmentCanNeitherDequeueNorMoveTheRun() throws Exception {
        CreatedRun created = creator.create(run("scoped").build());
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        RunnerApi otherRunner = new RunnerApi(mvc, json, workerGroup.token(), other.environment().id());

        assertThat(otherRunner.dequeue(10)).isEmpty();
        assertThat(otherRunner.start(created.friendlyId(), created.snapshotId()).getResponse().getStatus()).isEqualTo(404);
        assertThat(status(created.id())).isEqualTo("QUEUED");
    }

    @Test
    void dequeueTakesTheHighestPriorityFirstThenTheOldest() throws Exception {
        CreatedRun low1 = creator.create(run("order").build());
        CreatedRun high1 = creator.create(run("order").priority(5).build());
        CreatedRun low2 = creator.create(run("order").build());
        CreatedRun high2 = creator.create(run("order").priority(5).build());

        List<JsonNode> items = runner.dequeue(4);

        assertThat(items).extracting(i -> i.at("/run/friendlyId").stringValue())
                .containsExactly(high1.friendlyId(), high2.friendlyId(), low1.friendlyId(), low2.friendlyId());
    }

    @Test
    void queueLimitCapsTheRunsAQueueHasOutAndFreesASlotOnCompletion() throws Exception {
        queue("limited", 2);
        List<CreatedRun> runs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            runs.add(creator.create(run("limited-task").queue("limited").build()));
        }

        List<JsonNode> first = runner.dequeue(5);
        assertThat(first).hasSize(2);
        assertThat(runner.dequeue(5)).isEmpty();

        JsonNode item = first.get(0);
        String friendlyId = item.at("/run/friendlyId").stringValue();
        JsonNode started = runner.ok(runner.start(friendlyId, item.at("/snapshot/id").stringValue()));
        runner.ok(runner.complete(friendlyId, started.at("/snapshot/id").stringValue(), SUCCESS));

        assertThat(runner.dequeue(5)).hasSize(1);
        assertThat(runs).hasSize(5);
    }

    @Test
    void aFullQueueDoesNotHoldBackOtherQueues() throws Exception {
        queue("narrow", 1);
        for (int i = 0; i < 10; i++) {
            creator.create(run("narrow-task").queue("narrow").priority(9).build());
        }
        CreatedRun other1 = creator.create(run("wide-task").build());
        CreatedRun other2 = creator.create(run("wide-task").build());

        List<JsonNode> items = runner.dequeue(3);

        assertThat(items).extracting(i -> i.at("/run/queue").stringValue()).containsExactly("narrow", "task/wide-task", "task/wide-task");
        assertThat(items.subList(1, 3)).extracting(i -> i.at("/run/friendlyId").stringValue())
                .containsExactly(other1.friendlyId(), other2.friendlyId());
    }

    @Test
    void queueWithLimitZeroIsPaused() throws Exception {
        queue("paused", 0);
        creator.create(run("paused-task").queue("paused").build());

        assertThat(runner.dequeue(5)).isEmpty();
    }

    @Test
    void maxRunsOutsideTheAllowedRangeIsA400() throws Exception {
        for (int bad : new int[] {0, 100_000}) {
            MvcResult result = mvc.perform(post("/engine/v1/worker-actions/dequeue")
                            .header("Authorization", "Bearer " + workerGroup.token())
                            .contentType("application/json").content("{\"maxRuns\":" + bad + "}"))
                    .andReturn();
            assertThat(result.getResponse().getStatus()).isEqualTo(400);
            assertThat(runner.body(result).at("/error").stringValue()).contains("maxRuns");
        }
    }

    @Test
    void completionWithoutTheOkFlagIsA400() throws Exception {
        CreatedRun created = creator.create(run("bad-completion").build());
        JsonNode started = dequeueAndStart(created);

        MvcResult result = mvc.perform(post("/engine/v1/worker-actions/runs/" + created.friendlyId() + "/snapshots/"
                                + started.at("/snapshot/id").stringValue() + "/attempts/complete")
                        .header("Authorization", "Bearer " + workerGroup.token())
                        .contentType("application/json").content("{\"completion\":{}}"))
                .andReturn();

        assertThat(result.getResponse().getStatus()).isEqualTo(400);
        assertThat(runner.body(result).at("/error").stringValue()).contains("ok");
        assertThat(status(created.id())).isEqualTo("EXECUTING");
    }

    @Test
    void cancellingAnExecutingRunAsksTheRunnerToStopAndItsAcknowledgementFinishesIt() throws Exception {
        CreatedRun created = creator.create(run("cancel-me").build());
        JsonNode started = dequeueAndStart(created);

        assertThat(engine.cancel(env.environment().id(), created.friendlyId())).isTrue();
        assertThat(status(created.id())).isEqualTo("CANCELED");

        MvcResult refused = runner.heartbeat(created.friendlyId(), started.at("/snapshot/id").stringValue());
        assertThat(refused.getResponse().getStatus()).isEqualTo(409);
        JsonNode current = runner.body(refused).at("/snapshot");
        assertThat(current.at("/executionStatus").stringValue()).isEqualTo("PENDING_CANCEL");

        JsonNode finished = runner.ok(runner.complete(created.friendlyId(), current.at("/id").stringValue(), SUCCESS));
        assertThat(finished.at("/snapshot/executionStatus").stringValue()).isEqualTo("FINISHED");
        assertThat(finished.at("/run/status").stringValue()).isEqualTo("CANCELED");
        assertThat(column(history(created.id()), "execution_status"))
                .containsExactly("QUEUED", "PENDING_EXECUTING", "EXECUTING", "PENDING_CANCEL", "FINISHED");
    }

    @Test
    void cancelledRunWhoseRunnerNeverAcknowledgesIsFinishedByTheSweeper() throws Exception {
        CreatedRun created = creator.create(run("cancel-ignored").build());
        dequeueAndStart(created);
        engine.cancel(env.environment().id(), created.friendlyId());

        jdbc.sql("UPDATE task_runs SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = ?")
                .param(created.id()).update();
        sweeper.sweepOnce();

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                column(history(created.id()), "execution_status").equals(
                        List.of("QUEUED", "PENDING_EXECUTING", "EXECUTING", "PENDING_CANCEL", "FINISHED")));
        assertThat(status(created.id())).isEqualTo("CANCELED");
    }

    @Test
    void cancellingAQueuedRunFinishesItAndItIsNeverDequeued() throws Exception {
        CreatedRun created = creator.create(run("cancel-queued").build());

        assertThat(engine.cancel(env.environment().id(), created.friendlyId())).isTrue();
        assertThat(engine.cancel(env.environment().id(), created.friendlyId())).as("cancel is idempotent").isTrue();

        assertThat(runner.dequeue(5)).isEmpty();
        assertThat(column(history(created.id()), "execution_status")).containsExactly("QUEUED", "FINISHED");
    }

    private void queue(String name, int limit) {
        jdbc.sql("INSERT INTO task_queues (id, runtime_environment_id, name, concurrency_limit) VALUES (?, ?, ?, ?)")
                .params(Ids.newId(), env.environment().id(), name, limit).update();
    }
}
