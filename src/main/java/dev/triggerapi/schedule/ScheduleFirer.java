package dev.triggerapi.schedule;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.deployment.QueueNames;
import dev.triggerapi.deployment.TriggerSource;
import dev.triggerapi.deployment.WorkerTaskLookup;
import dev.triggerapi.duration.Durations;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.taskmeta.TaskMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fires due schedules, exactly once per instant, on any number of instances at once.
 *
 * <p>Each fire is one writer transaction: claim one due schedule {@code FOR UPDATE SKIP LOCKED}, create its run,
 * advance {@code next_run_at}, commit. Two instances never claim the same row (the second skips it), and the run
 * and the advance commit together, so a crash between claim and commit rolls both back and the instant is fired
 * by whoever claims it next. The run's idempotency key is derived from (schedule, instant) as a second guard.
 *
 * <p>After downtime a schedule fires once, for the latest instant that has passed, not once per missed instant.
 * An error from the database (including a lost connection) ends the tick and leaves the instant due for the next
 * one; any other error is the schedule's own (it would fail again), so that instant is skipped and counted as
 * {@code failed} instead of blocking the schedules behind it.
 */
class ScheduleFirer {

    private static final Logger log = LoggerFactory.getLogger(ScheduleFirer.class);
    static final String PAYLOAD_TYPE = "application/super+json";
    private static final int UPCOMING = 5;

    // SQL is the point: due schedules are claimed with FOR UPDATE SKIP LOCKED so instances never fire one twice.
    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final RunCreator runs;
    private final WorkerTaskLookup workers;
    private final JsonMapper json;
    private final ScheduleMetrics metrics;
    private final Clock clock;
    private final Consumer<Claimed> beforeCommit;
    /** The schedule claimed by the current attempt, so a failed one can be skipped (one thread per firer). */
    private Claimed lastClaimed;

    ScheduleFirer(JdbcClient jdbc, PlatformTransactionManager transactionManager, RunCreator runs,
                  WorkerTaskLookup workers, JsonMapper json, ScheduleMetrics metrics, Clock clock) {
        this(jdbc, transactionManager, runs, workers, json, metrics, clock, claimed -> { });
    }

    /** @param beforeCommit called after the run is created, before commit (tests stop an instance there) */
    ScheduleFirer(JdbcClient jdbc, PlatformTransactionManager transactionManager, RunCreator runs,
                  WorkerTaskLookup workers, JsonMapper json, ScheduleMetrics metrics, Clock clock,
                  Consumer<Claimed> beforeCommit) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactionManager);
        this.runs = runs;
        this.workers = workers;
        this.json = json;
        this.metrics = metrics;
        this.clock = clock;
        this.beforeCommit = beforeCommit;
    }

    /** A claimed schedule row. */
    record Claimed(String id, String friendlyId, String environmentId, EnvironmentType environmentType, String type,
                   String task, String cron, String timezone, String externalId, Instant nextRunAt,
                   Instant lastRunAt) {
    }

    /** What one fire did. */
    private record Fired(Instant instant, CreatedRun run, Instant createdAt) {
    }

    /** Fires due schedules until none is due or {@code max} fired; returns how many runs were created. */
    int fireDue(int max) {
        int created = 0;
        for (int i = 0; i < max; i++) {
            lastClaimed = null;
            Fired fired;
            try {
                fired = transaction.execute(status -> fireOne());
            } catch (DataAccessException | TransactionException e) {
                metrics.fired("retry");
                log.warn("Scheduler tick stopped by a database error; due instants fire on the next tick: {}",
                        e.getMessage());
                return created;
            } catch (RuntimeException e) {
                metrics.fired("failed");
                log.warn("A schedule failed to fire; skipping its instant: {}", e.getMessage());
                skipFailed();
                continue;
            }
            if (fired == null) {
                return created; // nothing due
            }
            if (fired.run().cached()) {
                metrics.fired("duplicate");
            } else {
                created++;
                metrics.fired("created");
            }
            metrics.lag(Duration.between(fired.instant(), fired.createdAt()));
        }
        return created;
    }

    private Fired fireOne() {
        Instant now = now();
        // JdbcClient, not the repository: the claim is FOR UPDATE SKIP LOCKED, which is the point of this query.
        Optional<Claimed> claimed = jdbc.sql("""
                        SELECT s.id, s.friendly_id, s.runtime_environment_id, e.type AS environment_type, s.type,
                            s.task_identifier, s.cron, s.timezone, s.external_id, s.next_run_at, s.last_run_at
                        FROM task_schedules s JOIN runtime_environments e ON e.id = s.runtime_environment_id
                        WHERE s.active AND s.next_run_at <= :now
                        ORDER BY s.next_run_at
                        LIMIT 1
                        FOR UPDATE OF s SKIP LOCKED""")
                .param("now", Timestamp.from(now))
                .query((rs, n) -> new Claimed(rs.getString("id"), rs.getString("friendly_id"),
                        rs.getString("runtime_environment_id"), EnvironmentType.valueOf(rs.getString("environment_type")),
                        rs.getString("type"), rs.getString("task_identifier"), rs.getString("cron"),
                        rs.getString("timezone"), rs.getString("external_id"),
                        rs.getTimestamp("next_run_at").toInstant(),
                        rs.getTimestamp("last_run_at") == null ? null : rs.getTimestamp("last_run_at").toInstant()))
                .optional();
        if (claimed.isEmpty()) {
            return null;
        }
        Claimed schedule = claimed.get();
        lastClaimed = schedule;
        CronSchedule cron = CronSchedule.parse(schedule.cron(), schedule.timezone());
        Instant instant = cron.latestDue(schedule.nextRunAt(), now);
        List<Instant> upcoming = cron.upcoming(instant, UPCOMING);
        CreatedRun run = runs.createInCurrentTransaction(newRun(schedule, instant, upcoming));
        // The runs list's filter[schedule] reads this; set in the creating transaction, so no reader sees the run
        // without it. (A duplicate fire finds the first run, which already has it.)
        jdbc.sql("UPDATE task_runs SET schedule_id = ? WHERE id = ? AND schedule_id IS NULL")
                .params(schedule.id(), run.id())
                .update();
        jdbc.sql("UPDATE task_schedules SET last_run_at = ?, next_run_at = ? WHERE id = ?")
                .params(Timestamp.from(instant), upcoming.isEmpty() ? null : Timestamp.from(upcoming.get(0)),
                        schedule.id())
                .update();
        beforeCommit.accept(schedule);
        return new Fired(instant, run, now());
    }

    private void skipFailed() {
        Claimed schedule = lastClaimed;
        if (schedule == null) {
            return;
        }
        try {
            transaction.executeWithoutResult(status -> {
                Optional<Instant> next;
                try {
                    next = CronSchedule.parse(schedule.cron(), schedule.timezone()).nextAfter(schedule.nextRunAt());
                } catch (ApiException e) {
                    next = Optional.empty(); // an expression that no longer parses never fires again
                }
                jdbc.sql("UPDATE task_schedules SET next_run_at = ? WHERE id = ? AND next_run_at = ?")
                        .params(next.map(Timestamp::from).orElse(null), schedule.id(),
                                Timestamp.from(schedule.nextRunAt()))
                        .update();
            });
        } catch (DataAccessException | TransactionException e) {
            log.warn("Could not skip the failed instant of schedule {}: {}", schedule.friendlyId(), e.getMessage());
        }
    }

    private NewRun newRun(Claimed schedule, Instant instant, List<Instant> upcoming) {
        Optional<TaskMetadata> task = workers.currentWorkerTask(schedule.environmentId(), schedule.environmentType(),
                schedule.task()).map(found -> found.metadata());
        String queue = task.map(TaskMetadata::queueName).orElse(QueueNames.taskQueue(schedule.task()));
        String ttl = task.map(TaskMetadata::ttl).orElse(null);
        Long ttlSeconds = ttl == null ? null
                : Durations.parse(ttl).map(Duration::getSeconds).filter(s -> s > 0).orElse(null);
        return new NewRun(NewRun.Placement.of(schedule.environmentId(), schedule.task(), queue),
                NewRun.Payload.of(payload(schedule, instant, upcoming), PAYLOAD_TYPE),
                NewRun.Idempotency.of(idempotencyKey(schedule.id(), instant), null),
                new NewRun.Timing(null, ttl, ttlSeconds, null, null),
                new NewRun.Origin(TriggerSource.SCHEDULED, false, null, null));
    }

    /** One key per (schedule, instant): a second creation for the same instant finds the first run. */
    static String idempotencyKey(String scheduleId, Instant instant) {
        return "schedule:" + scheduleId + ":" + instant.toEpochMilli();
    }

    /**
     * The payload the SDK's scheduled tasks receive, as SuperJSON so the dates arrive as {@code Date}s
     * ({@code ScheduledTaskPayload}: scheduleId, type, timestamp, lastTimestamp, externalId, timezone, upcoming).
     */
    private String payload(Claimed schedule, Instant instant, List<Instant> upcoming) {
        ObjectNode root = json.createObjectNode();
        ObjectNode body = root.putObject("json");
        ObjectNode values = root.putObject("meta").putObject("values");
        body.put("scheduleId", schedule.friendlyId());
        body.put("type", schedule.type());
        body.put("timestamp", instant.toString());
        values.putArray("timestamp").add("Date");
        if (schedule.lastRunAt() != null) {
            body.put("lastTimestamp", schedule.lastRunAt().toString());
            values.putArray("lastTimestamp").add("Date");
        }
        if (schedule.externalId() != null) {
            body.put("externalId", schedule.externalId());
        }
        body.put("timezone", schedule.timezone());
        ArrayNode dates = body.putArray("upcoming");
        for (int i = 0; i < upcoming.size(); i++) {
            dates.add(upcoming.get(i).toString());
            values.putArray("upcoming." + i).add("Date");
        }
        return json.writeValueAsString(root);
    }

    /** PostgreSQL keeps microseconds: truncating keeps what we compare equal to what we stored. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
