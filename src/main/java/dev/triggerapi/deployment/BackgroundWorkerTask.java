package dev.triggerapi.deployment;

import java.util.List;

import dev.triggerapi.taskmeta.TaskMetadata;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import org.hibernate.annotations.Immutable;

/**
 * A task a worker version declared (table {@code background_worker_tasks}). Inserted in bulk by the registration
 * and never updated, hence immutable here.
 */
@Entity
@Immutable
@Table(name = "background_worker_tasks")
class BackgroundWorkerTask {

    @Id
    private String id;
    @Column(name = "worker_id", nullable = false)
    private String workerId;
    @Column(nullable = false)
    private String slug;
    private String ttl;
    @Column(name = "trigger_source", nullable = false)
    private String triggerSource;
    /** Lazy: the lookups that need the queue's name fetch it in their query. */
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "queue_id")
    private TaskQueue queue;
    @Column(name = "schedule_cron")
    private String scheduleCron;
    @Column(name = "schedule_timezone")
    private String scheduleTimezone;
    @Column(name = "schedule_environments")
    private String scheduleEnvironments;

    protected BackgroundWorkerTask() {
    }

    String workerId() {
        return workerId;
    }

    String slug() {
        return slug;
    }

    /** Needs the queue fetched. */
    TaskMetadata metadata() {
        return new TaskMetadata(ttl, triggerSource, queue == null ? null : queue.id(), queue == null ? null : queue.name());
    }

    /** The schedule the task declared, or null. */
    DeclaredSchedule declaredSchedule() {
        return scheduleCron == null ? null : new DeclaredSchedule(slug, scheduleCron, scheduleTimezone,
                scheduleEnvironments == null ? null : List.of(scheduleEnvironments.split(",")));
    }
}
