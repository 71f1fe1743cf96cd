package dev.triggerapi.schedule;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.ids.Ids;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Imperative schedules through the API: create (an upsert by deduplication key), list, retrieve, update,
 * activate, deactivate and delete, always within the caller's environment.
 *
 * <p>Writes run on the writer. A retrieve reads the replica and re-checks a miss on the writer (a schedule created
 * a moment ago may not be on the replica yet); the list reads the replica only, as a list has no "not found".
 */
@Service
class ScheduleService {

    static final String ID_PREFIX = "sched_";
    private static final int DEFAULT_PAGE_SIZE = 20;
    private static final int MAX_PAGE_SIZE = 100;

    private final TaskScheduleRepository schedules;
    // SQL is the point: the imperative create is one idempotent upsert (ON CONFLICT on the deduplication key).
    private final JdbcClient jdbc;
    private final ReplicaFirstReader database;
    private final Clock clock;

    ScheduleService(TaskScheduleRepository schedules, JdbcClient jdbc, ReplicaFirstReader database, Clock clock) {
        this.schedules = schedules;
        this.jdbc = jdbc;
        this.database = database;
        this.clock = clock;
    }

    /**
     * Creates a schedule, or updates the environment's schedule with the same deduplication key (task, cron,
     * timezone and external id; its next instant is kept unless the cron or timezone changed).
     */
    @Transactional
    public ScheduleObject create(AuthenticatedEnvironment environment, ScheduleRequest request) {
        if (request.deduplicationKey() == null || request.deduplicationKey().isBlank()) {
            throw ApiException.unprocessable("deduplicationKey is required: a second create with the same key "
                    + "updates that schedule instead of adding another");
        }
        CronSchedule cron = CronSchedule.parse(request.cron(), request.timezone());
        String id = Ids.newId();
        Instant next = cron.nextAfter(clock.instant()).orElse(null);
        // ON CONFLICT: two concurrent creates with one key must end as one schedule, which a find-then-insert
        // through JPA cannot guarantee without a retry loop.
        String stored = jdbc.sql("""
                        INSERT INTO task_schedules (id, friendly_id, runtime_environment_id, type, task_identifier, cron,
                            timezone, external_id, deduplication_key, active, next_run_at)
                        VALUES (:id, :friendlyId, :env, 'IMPERATIVE', :task, :cron, :timezone, :externalId, :key, true, :next)
                        ON CONFLICT (runtime_environment_id, deduplication_key) WHERE type = 'IMPERATIVE' DO UPDATE SET
                            task_identifier = EXCLUDED.task_identifier, cron = EXCLUDED.cron, timezone = EXCLUDED.timezone,
                            external_id = EXCLUDED.external_id,
                            next_run_at = CASE
                                WHEN NOT task_schedules.active THEN NULL
                                WHEN task_schedules.cron = EXCLUDED.cron AND task_schedules.timezone = EXCLUDED.timezone
                                    THEN task_schedules.next_run_at
                                ELSE EXCLUDED.next_run_at END
                        RETURNING id""")
                .param("id", id).param("friendlyId", ID_PREFIX + id).param("env", environment.id())
                .param("task", request.task()).param("cron", cron.expression()).param("timezone", cron.timezone())
                .param("externalId", request.externalId()).param("key", request.deduplicationKey())
                .param("next", next == null ? null : Timestamp.from(next))
                .query(String.class).single();
        return view(environment, schedules.findById(stored).orElseThrow());
    }

    /** One page (1-based) of the environment's schedules, oldest first. */
    public ScheduleList list(AuthenticatedEnvironment environment, Integer page, Integer perPage) {
        int number = page == null || page < 1 ? 1 : page;
        int size = perPage == null || perPage < 1 ? DEFAULT_PAGE_SIZE : Math.min(perPage, MAX_PAGE_SIZE);
        Page<TaskSchedule> found = database.onReplica(() -> schedules.findByEnvironmentId(environment.id(),
                PageRequest.of(number - 1, size, Sort.by("createdAt", "id"))));
        List<ScheduleObject> data = found.getContent().stream().map(s -> view(environment, s)).toList();
        return new ScheduleList(data, new ScheduleList.Pagination(number, found.getTotalPages(),
                found.getTotalElements()));
    }

    /** The schedule {@code scheduleId} ({@code sched_...}); 404 when the writer does not have it either. */
    public ScheduleObject retrieve(AuthenticatedEnvironment environment, String scheduleId) {
        TaskSchedule schedule = database.read(() -> schedules.findByEnvironmentIdAndFriendlyId(environment.id(),
                scheduleId)).value().orElseThrow(() -> notFound(scheduleId));
        return view(environment, schedule);
    }

    /** Replaces the task, cron, timezone and external id of an imperative schedule. */
    @Transactional
    public ScheduleObject update(AuthenticatedEnvironment environment, String scheduleId, ScheduleRequest request) {
        TaskSchedule schedule = imperative(find(environment, scheduleId), "updated");
        CronSchedule cron = CronSchedule.parse(request.cron(), request.timezone());
        schedule.reschedule(request.task(), cron, request.externalId(), clock.instant());
        return view(environment, schedules.saveAndFlush(schedule));
    }

    /** Resumes firing from the next instant after now. */
    @Transactional
    public ScheduleObject activate(AuthenticatedEnvironment environment, String scheduleId) {
        TaskSchedule schedule = find(environment, scheduleId);
        if (!schedule.active()) {
            schedule.activate(CronSchedule.parse(schedule.cron(), schedule.timezone()), clock.instant());
        }
        return view(environment, schedules.saveAndFlush(schedule));
    }

    /** Stops firing until activated again. */
    @Transactional
    public ScheduleObject deactivate(AuthenticatedEnvironment environment, String scheduleId) {
        TaskSchedule schedule = find(environment, scheduleId);
        schedule.deactivate();
        return view(environment, schedules.saveAndFlush(schedule));
    }

    /** Deletes an imperative schedule; returns its id. */
    @Transactional
    public String delete(AuthenticatedEnvironment environment, String scheduleId) {
        TaskSchedule schedule = imperative(find(environment, scheduleId), "deleted");
        schedules.delete(schedule);
        return schedule.friendlyId();
    }

    /** Writer lookup with a row lock, so a concurrent scheduler claim and this change serialise. */
    private TaskSchedule find(AuthenticatedEnvironment environment, String scheduleId) {
        jdbc.sql("SELECT 1 FROM task_schedules WHERE runtime_environment_id = ? AND friendly_id = ? FOR UPDATE")
                .params(environment.id(), scheduleId).query(Integer.class).optional();
        return schedules.findByEnvironmentIdAndFriendlyId(environment.id(), scheduleId)
                .orElseThrow(() -> notFound(scheduleId));
    }

    private static TaskSchedule imperative(TaskSchedule schedule, String action) {
        if (schedule.type() == TaskSchedule.Type.DECLARATIVE) {
            throw ApiException.unprocessable("Schedule '" + schedule.friendlyId() + "' is declared by the task's "
                    + "worker version and cannot be " + action + " through the API; change the task's cron and deploy");
        }
        return schedule;
    }

    private static ApiException notFound(String scheduleId) {
        return ApiException.notFound("Schedule '" + scheduleId + "' not found in this environment.");
    }

    static ScheduleObject view(AuthenticatedEnvironment environment, TaskSchedule s) {
        String description;
        try {
            description = CronSchedule.parse(s.cron(), s.timezone()).description();
        } catch (ApiException e) {
            description = s.cron(); // stored before a stricter check: still show it
        }
        return new ScheduleObject(s.friendlyId(), s.type().name(), s.taskIdentifier(), s.active(),
                s.deduplicationKey(), s.externalId(), new ScheduleObject.Generator("CRON", s.cron(), description),
                s.timezone(), s.active() ? s.nextRunAt() : null,
                List.of(new ScheduleObject.Environment(environment.id(), environment.type().name())));
    }
}
