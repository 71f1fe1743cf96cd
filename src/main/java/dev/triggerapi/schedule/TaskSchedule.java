package dev.triggerapi.schedule;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A cron schedule of one task in one environment (table {@code task_schedules}). */
@Entity
@Table(name = "task_schedules")
class TaskSchedule {

    /** How a schedule came to be: declared on a worker version, or created through the API. */
    enum Type { DECLARATIVE, IMPERATIVE }

    @Id
    private String id;
    @Column(name = "friendly_id", nullable = false, updatable = false)
    private String friendlyId;
    @Column(name = "runtime_environment_id", nullable = false, updatable = false)
    private String environmentId;
    @Column(nullable = false, updatable = false)
    private String type;
    @Column(name = "task_identifier", nullable = false)
    private String taskIdentifier;
    @Column(nullable = false)
    private String cron;
    @Column(nullable = false)
    private String timezone;
    @Column(name = "external_id")
    private String externalId;
    @Column(name = "deduplication_key", updatable = false)
    private String deduplicationKey;
    @Column(nullable = false)
    private boolean active;
    @Column(name = "next_run_at")
    private Instant nextRunAt;
    @Column(name = "last_run_at")
    private Instant lastRunAt;
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;
    /** Maintained by a trigger ({@code set_updated_at}). */
    @Column(name = "updated_at", insertable = false, updatable = false)
    private Instant updatedAt;

    protected TaskSchedule() {
    }

    /** A new declarative schedule, due at its first instant after {@code now}. */
    static TaskSchedule declarative(String id, String environmentId, String taskIdentifier, CronSchedule cron,
                                    Instant now) {
        TaskSchedule schedule = new TaskSchedule();
        schedule.id = id;
        schedule.friendlyId = ScheduleService.ID_PREFIX + id;
        schedule.environmentId = environmentId;
        schedule.type = Type.DECLARATIVE.name();
        schedule.taskIdentifier = taskIdentifier;
        schedule.cron = cron.expression();
        schedule.timezone = cron.timezone();
        schedule.active = true;
        schedule.nextRunAt = cron.nextAfter(now).orElse(null);
        return schedule;
    }

    String id() {
        return id;
    }

    String friendlyId() {
        return friendlyId;
    }

    String environmentId() {
        return environmentId;
    }

    Type type() {
        return Type.valueOf(type);
    }

    String taskIdentifier() {
        return taskIdentifier;
    }

    String cron() {
        return cron;
    }

    String timezone() {
        return timezone;
    }

    String externalId() {
        return externalId;
    }

    String deduplicationKey() {
        return deduplicationKey;
    }

    boolean active() {
        return active;
    }

    Instant nextRunAt() {
        return nextRunAt;
    }

    Instant lastRunAt() {
        return lastRunAt;
    }

    Instant createdAt() {
        return createdAt;
    }

    /** Changes what and when it fires; the next instant is recomputed from {@code now}. */
    void reschedule(String taskIdentifier, CronSchedule cron, String externalId, Instant now) {
        this.taskIdentifier = taskIdentifier;
        this.cron = cron.expression();
        this.timezone = cron.timezone();
        this.externalId = externalId;
        this.nextRunAt = active ? cron.nextAfter(now).orElse(null) : null;
    }

    /** Resumes firing from the next instant after {@code now} (instants missed while inactive are not fired). */
    void activate(CronSchedule cron, Instant now) {
        this.active = true;
        this.nextRunAt = cron.nextAfter(now).orElse(null);
    }

    void deactivate() {
        this.active = false;
        this.nextRunAt = null;
    }
}
