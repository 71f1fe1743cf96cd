package dev.triggerapi.run;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.concurrent.Backoff;
import dev.triggerapi.snapshot.ExecutionSnapshots;
import dev.triggerapi.snapshot.ExecutionStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * The run lifecycle: dequeue, attempt start / completion, heartbeats and cancellation. Each change runs in
 * one writer transaction that locks the run row, checks the change is allowed, appends the execution
 * snapshot, updates the row and publishes {@link RunChangedEvent} (see {@link RunStateWriter}).
 *
 * <p>Every runner action names the snapshot it acts on. The row lock serialises actions on one run, and an
 * action whose snapshot is no longer the run's latest is refused with {@link StaleSnapshotException} (409
 * with the current snapshot), so two runners can never both move a run.
 */
@Service
public class RunEngine {

    // SQL is the point: state changes are compare-and-set UPDATEs in the transaction that appends their snapshot.
    private final JdbcClient jdbc;
    private final RunStateWriter writer;
    private final RunDequeuer dequeuer;
    private final ExecutionSnapshots snapshots;
    private final RunEngineProperties settings;
    private final Backoff backoff;
    private final JsonMapper json;
    private final Clock clock;

    RunEngine(JdbcClient jdbc, RunStateWriter writer, RunDequeuer dequeuer, ExecutionSnapshots snapshots,
              RunEngineProperties settings, Backoff backoff, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.writer = writer;
        this.dequeuer = dequeuer;
        this.snapshots = snapshots;
        this.settings = settings;
        this.backoff = backoff;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Claims up to {@code maxRuns} queued runs (see {@link RunDequeuer}); each moves to DEQUEUED /
     * PENDING_EXECUTING with a lease.
     *
     * @param environmentScope only runs of this environment, or {@code null} for any
     */
    @Transactional
    public List<RunActionResult> dequeue(String workerGroupId, String environmentScope, int maxRuns) {
        if (maxRuns < 1 || maxRuns > settings.dequeueMaxRuns()) {
            throw ApiException.badRequest("maxRuns must be between 1 and " + settings.dequeueMaxRuns());
        }
        return dequeuer.dequeue(workerGroupId, environmentScope, maxRuns, now());
    }

    /** DEQUEUED → EXECUTING: the attempt number goes up by one and the lease is renewed. */
    @Transactional
    public RunActionResult startAttempt(RunAction action) {
        LockedRun run = lockForAction(action);
        if (run.status() != RunStatus.DEQUEUED) {
            throw stale("Run " + run.friendlyId() + " is not waiting for an attempt to start (status "
                    + run.status() + ")", run);
        }
        Instant now = now();
        Instant lease = now.plus(settings.leaseDuration());
        int attempt = run.attemptNumber() + 1;
        RunStateWriter.Applied applied = writer.apply(run, Transition.of(run, RunStatus.EXECUTING,
                        ExecutionStatus.EXECUTING, "Attempt " + attempt + " started")
                .attempt(attempt)
                .set("lease_expires_at", lease)
                .setExpression("started_at", "COALESCE(started_at, :now)", Map.of("now", now)));
        return result(run, RunStatus.EXECUTING, attempt, lease, applied);
    }

    /**
     * Ends the executing attempt: success finishes the run; a failure with attempts left waits out a backoff
     * (RETRYING_AFTER_FAILURE, requeued by the sweeper when it ends); a failure without attempts left, or one
     * the runner marks {@code skipRetrying}, fails the run. A run cancelled while executing is finished.
     */
    @Transactional
    public RunActionResult completeAttempt(RunAction action, AttemptCompletion completion) {
        LockedRun run = lockForAction(action);
        Instant now = now();
        int attempt = run.attemptNumber();
        if (run.status() == RunStatus.CANCELED && run.leaseExpiresAt() != null) {
            RunStateWriter.Applied applied = writer.apply(run, Transition.of(run, RunStatus.CANCELED,
                            ExecutionStatus.FINISHED, "Runner stopped the canceled run")
                    .set("lease_expires_at", null));
            return result(run, RunStatus.CANCELED, attempt, null, applied);
        }
        if (run.status() != RunStatus.EXECUTING) {
            throw stale("Run " + run.friendlyId() + " has no executing attempt (status " + run.status() + ")", run);
        }
        if (completion.ok()) {
            RunStateWriter.Applied applied = writer.apply(run, Transition.of(run, RunStatus.COMPLETED_SUCCESSFULLY,
                            ExecutionStatus.FINISHED, "Attempt " + attempt + " succeeded")
                    .set("output", completion.output())
                    .set("output_type", completion.output() == null ? null
                            : completion.outputType() == null ? "application/json" : completion.outputType())
                    .set("completed_at", now)
                    .set("lease_expires_at", null));
            return result(run, RunStatus.COMPLETED_SUCCESSFULLY, attempt, null, applied);
        }
        RunError error = completion.error() == null || completion.error().message() == null
                ? new RunError("Unknown error", null, null) : completion.error();
        String errorJson = json.writeValueAsString(error);
        int allowed = run.attemptsAllowed(settings.defaultMaxAttempts());
        if (attempt < allowed && !completion.skipRetrying()) {
            Instant retryAt = now.plus(backoff.delay(Math.max(1, attempt)));
            RunStateWriter.Applied applied = writer.apply(run, Transition.of(run, RunStatus.RETRYING_AFTER_FAILURE,
                            ExecutionStatus.DELAYED, "Attempt " + attempt + " of " + allowed + " failed: "
                                    + error.message() + "; retrying at " + retryAt)
                    .setJson("error", errorJson)
                    .set("retry_at", retryAt)
                    .set("lease_expires_at", null));
            return result(run, RunStatus.RETRYING_AFTER_FAILURE, attempt, null, applied);
        }
        RunStateWriter.Applied applied = writer.apply(run, Transition.of(run, RunStatus.COMPLETED_WITH_ERRORS,
                        ExecutionStatus.FINISHED, "Attempt " + attempt + " of " + allowed + " failed: "
                                + error.message() + (completion.skipRetrying() ? " (not retried)" : "; no attempts left"))
                .setJson("error", errorJson)
                .set("completed_at", now)
                .set("lease_expires_at", null));
        return result(run, RunStatus.COMPLETED_WITH_ERRORS, attempt, null, applied);
    }

    /**
     * Extends the runner's lease on a DEQUEUED or EXECUTING run. Not a state change: no snapshot, no event
     * (subscribers see nothing different).
     */
    @Transactional
    public HeartbeatResult heartbeat(RunAction action) {
        LockedRun run = lockForAction(action);
        if (run.status() != RunStatus.DEQUEUED && run.status() != RunStatus.EXECUTING) {
            throw stale("Run " + run.friendlyId() + " is not held by a runner (status " + run.status() + ")", run);
        }
        Instant lease = now().plus(settings.leaseDuration());
        jdbc.sql("UPDATE task_runs SET lease_expires_at = ? WHERE id = ?")
                .params(Timestamp.from(lease), run.id()).update();
        return new HeartbeatResult(true, lease);
    }

    /**
     * Cancels a run of the environment. A run a runner holds becomes CANCELED with a PENDING_CANCEL
     * snapshot (the runner learns it from its snapshot poll, stops and completes; the sweeper finishes it if
     * it never does); any other unfinished run is finished at once. Cancelling a finished run changes nothing.
     *
     * @return false when the environment has no such run
     */
    @Transactional
    public boolean cancel(String environmentId, String runFriendlyId) {
        Optional<LockedRun> found = jdbc.sql("SELECT " + LockedRun.COLUMNS
                        + " FROM task_runs WHERE friendly_id = ? AND runtime_environment_id = ? FOR UPDATE")
                .params(runFriendlyId, environmentId).query(LockedRun::map).optional();
        if (found.isEmpty()) {
            return false;
        }
        LockedRun run = found.get();
        if (run.status().isFinal()) {
            return true;
        }
        Instant now = now();
        boolean heldByRunner = run.status() == RunStatus.DEQUEUED || run.status() == RunStatus.EXECUTING;
        writer.apply(run, Transition.of(run, RunStatus.CANCELED,
                        heldByRunner ? ExecutionStatus.PENDING_CANCEL : ExecutionStatus.FINISHED,
                        heldByRunner ? "Run canceled; the runner must stop the attempt" : "Run canceled")
                .set("completed_at", now)
                .set("retry_at", null)
                .set("lease_expires_at", heldByRunner ? now.plus(settings.leaseDuration()) : null));
        return true;
    }

    /**
     * The run, locked, if this runner may act on it: in its environment scope, and not claimed by another worker
     * group (a run a group dequeued is that group's until it is queued again). Anything else is "not found", so a
     * runner learns nothing about runs it does not hold.
     */
    private LockedRun lockForAction(RunAction action) {
        String sql = "SELECT " + LockedRun.COLUMNS + " FROM task_runs WHERE friendly_id = :friendlyId"
                + " AND (worker_group_id IS NULL OR worker_group_id = :workerGroup)"
                + (action.environmentScope() == null ? "" : " AND runtime_environment_id = :env") + " FOR UPDATE";
        JdbcClient.StatementSpec query = jdbc.sql(sql).param("friendlyId", action.runFriendlyId())
                .param("workerGroup", action.workerGroupId());
        if (action.environmentScope() != null) {
            query = query.param("env", action.environmentScope());
        }
        LockedRun run = query.query(LockedRun::map).optional()
                .orElseThrow(() -> ApiException.notFound("Run not found: " + action.runFriendlyId()));
        if (!run.latestSnapshotId().equals(action.snapshotId())) {
            throw stale("Snapshot " + action.snapshotId() + " is not the latest snapshot of run " + run.friendlyId(), run);
        }
        return run;
    }

    private StaleSnapshotException stale(String message, LockedRun run) {
        return new StaleSnapshotException(message, snapshots.find(run.latestSnapshotId()).orElse(null));
    }

    private RunActionResult result(LockedRun run, RunStatus status, int attempt, Instant lease,
                                   RunStateWriter.Applied applied) {
        return new RunActionResult(WorkerRun.of(run, status, attempt, run.attemptsAllowed(settings.defaultMaxAttempts()),
                lease), applied.snapshot());
    }

    /** PostgreSQL keeps microseconds: truncating here makes what we answer equal what we stored. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
