package dev.triggerapi.run;

import dev.triggerapi.datasource.JdbcTransactions;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;

import dev.triggerapi.snapshot.ExecutionSnapshot;
import dev.triggerapi.snapshot.SnapshotAppender;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Applies a {@link Transition} to a run locked by the caller, in the caller's writer transaction: appends
 * the execution snapshot, updates the run row, and publishes {@link RunChangedEvent} — all or nothing.
 *
 * <p>The snapshot goes first because appending bumps the row's snapshot sequence (an UPDATE); the run
 * UPDATE comes last so its {@code RETURNING updated_at} is the value that commits — the watermark realtime
 * compares replica reads against.
 */
@Component
class RunStateWriter {

    // SQL is the point: compare-and-set transitions (UPDATE ... WHERE status = ... RETURNING).
    private final JdbcClient jdbc;
    private final SnapshotAppender snapshots;
    private final ApplicationEventPublisher events;

    RunStateWriter(JdbcClient jdbc, SnapshotAppender snapshots, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.snapshots = snapshots;
        this.events = events;
    }

    Applied apply(LockedRun run, Transition change) {
        JdbcTransactions.requireActive();
        ExecutionSnapshot snapshot = snapshots.append(run.id(), run.environmentId(), change.executionStatus,
                change.status.name(), change.description, change.attemptNumber);
        StringBuilder sql = new StringBuilder("UPDATE task_runs SET status = :status, attempt_number = :attemptNumber");
        change.assignments.forEach((column, expression) -> sql.append(", ").append(column).append(" = ").append(expression));
        sql.append(" WHERE id = :id RETURNING updated_at");
        JdbcClient.StatementSpec update = jdbc.sql(sql.toString())
                .param("status", change.status.name())
                .param("attemptNumber", change.attemptNumber)
                .param("id", run.id());
        for (Map.Entry<String, Object> parameter : change.parameters.entrySet()) {
            Object value = parameter.getValue() instanceof Instant instant ? Timestamp.from(instant) : parameter.getValue();
            update = update.param(parameter.getKey(), value);
        }
        Instant updatedAt = update.query(Timestamp.class).single().toInstant();
        events.publishEvent(new RunChangedEvent(run.id(), run.friendlyId(), run.environmentId(), updatedAt));
        return new Applied(snapshot, updatedAt);
    }

    /**
     * @param snapshot  the snapshot recording the change
     * @param updatedAt the committed row's {@code updated_at}
     */
    record Applied(ExecutionSnapshot snapshot, Instant updatedAt) {
    }
}
