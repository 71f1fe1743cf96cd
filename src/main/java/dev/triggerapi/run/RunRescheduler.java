package dev.triggerapi.run;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.snapshot.ExecutionStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Moves a DELAYED run's start. Runs on the writer under the run's row lock, so it cannot race the sweeper that
 * queues delayed runs: whichever locks first wins, and a run already queued is refused. The new delay, its
 * snapshot and the change event commit together ({@link RunStateWriter}). A date in the past queues the run at
 * the sweeper's next pass, like a trigger whose delay has already run out.
 */
@Service
public class RunRescheduler {

    // SQL is the point: the run row is locked (FOR UPDATE) and moved by RunStateWriter's conditional UPDATE.
    private final JdbcClient jdbc;
    private final RunStateWriter writer;
    private final Clock clock;

    RunRescheduler(JdbcClient jdbc, RunStateWriter writer, Clock clock) {
        this.jdbc = jdbc;
        this.writer = writer;
        this.clock = clock;
    }

    /**
     * @throws ApiException 404 when the environment has no such run, 400 when the run is not DELAYED
     */
    @Transactional
    public void reschedule(String environmentId, String runFriendlyId, Instant delayUntil) {
        LockedRun run = jdbc.sql("SELECT " + LockedRun.COLUMNS
                        + " FROM task_runs WHERE friendly_id = ? AND runtime_environment_id = ? FOR UPDATE")
                .params(runFriendlyId, environmentId).query(LockedRun::map).optional()
                .orElseThrow(() -> ApiException.notFound("Run not found: " + runFriendlyId));
        if (run.status() != RunStatus.DELAYED) {
            throw ApiException.badRequest("Cannot reschedule run " + runFriendlyId + ": only a DELAYED run can be"
                    + " rescheduled (its status is " + run.status().publicStatus() + ")");
        }
        Instant until = delayUntil.truncatedTo(ChronoUnit.MICROS);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        writer.apply(run, Transition.of(run, RunStatus.DELAYED, ExecutionStatus.DELAYED,
                        "Run rescheduled, delayed until " + (until.isBefore(now) ? now : until))
                .set("delay_until", until.isBefore(now) ? now : until)
                .set("queue_order_at", RunCreator.queueOrder(until.isBefore(now) ? now : until, run.priorityMs())));
    }
}
