package dev.triggerapi.realtime;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunChangedEvent;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.deployment.TriggerSource;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Creates runs for realtime tests and changes their status the way the run lifecycle does: an UPDATE on the
 * writer that returns {@code updated_at}, and a {@link RunChangedEvent} with it, in one transaction.
 */
final class TestRuns {

    private final RunCreator creator;
    private final JdbcClient jdbc;
    private final TransactionTemplate writer;
    private final ApplicationEventPublisher events;

    TestRuns(RunCreator creator, JdbcClient jdbc, PlatformTransactionManager transactions, ApplicationEventPublisher events) {
        this.creator = creator;
        this.jdbc = jdbc;
        this.writer = new TransactionTemplate(transactions);
        this.events = events;
    }

    CreatedRun create(ProvisionedEnvironment env, List<String> tags, String batchId, String metadataJson) {
        return creator.create(new NewRun(NewRun.Placement.of(env.environment().id(), "realtime-task", "task/realtime-task"),
                new NewRun.Payload("{\"n\":1}", "application/json", metadataJson,
                        metadataJson == null ? null : "application/json", tags),
                NewRun.Idempotency.NONE, NewRun.Timing.NONE, new NewRun.Origin(TriggerSource.STANDARD, false, batchId, null)));
    }

    /** Sets the status like the lifecycle would; returns the committed {@code updated_at}. */
    Instant setStatus(CreatedRun run, String environmentId, String status) {
        return writer.execute(tx -> {
            Instant updatedAt = jdbc.sql("UPDATE task_runs SET status = ? WHERE id = ? RETURNING updated_at")
                    .params(status, run.id()).query((rs, n) -> rs.getTimestamp(1)).single().toInstant();
            events.publishEvent(new RunChangedEvent(run.id(), run.friendlyId(), environmentId, updatedAt));
            return updatedAt;
        });
    }

    /** The run's committed version on the writer. */
    Instant version(CreatedRun run) {
        return jdbc.sql("SELECT updated_at FROM task_runs WHERE id = ?").param(run.id())
                .query(Timestamp.class).single().toInstant();
    }
}
