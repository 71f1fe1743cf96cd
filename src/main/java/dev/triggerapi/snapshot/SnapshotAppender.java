package dev.triggerapi.snapshot;

import dev.triggerapi.ids.Ids;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Appends an execution snapshot inside the caller's writer transaction, so a state change and its snapshot
 * commit together or not at all. The per-run sequence comes from {@code task_runs.snapshot_sequence}, bumped
 * in the same statement that records the run's latest snapshot: the row lock that bump takes serialises
 * concurrent appenders of one run, so sequences are gap-free and strictly ordered.
 */
@Component
public class SnapshotAppender {

    private final JdbcClient jdbc;

    public SnapshotAppender(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * @param runId           internal run id
     * @param environmentId   the run's environment
     * @param executionStatus new execution status
     * @param runStatus       the run's status after the change (as stored)
     * @param description     what happened, for humans
     * @param attemptNumber   the run's attempt number after the change
     * @return the new snapshot
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public AppendedSnapshot append(String runId, String environmentId, ExecutionStatus executionStatus, String runStatus,
                                   String description, int attemptNumber) {
        String id = Ids.newId();
        int sequence = jdbc.sql("""
                        UPDATE task_runs SET snapshot_sequence = snapshot_sequence + 1, latest_snapshot_id = ?
                        WHERE id = ? RETURNING snapshot_sequence""")
                .params(id, runId).query(Integer.class).single();
        jdbc.sql("""
                        INSERT INTO execution_snapshots
                            (id, run_id, runtime_environment_id, sequence, execution_status, run_status, description, attempt_number)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(id, runId, environmentId, sequence, executionStatus.name(), runStatus, description, attemptNumber)
                .update();
        return new AppendedSnapshot(id, sequence, executionStatus);
    }

    /**
     * Records the first snapshot of a run inserted in this transaction with {@code snapshot_sequence = 1} and
     * {@code latest_snapshot_id = id} already set (saves the hot trigger path an UPDATE).
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public AppendedSnapshot recordFirst(String id, String runId, String environmentId, ExecutionStatus executionStatus,
                                        String runStatus, String description) {
        jdbc.sql("""
                        INSERT INTO execution_snapshots
                            (id, run_id, runtime_environment_id, sequence, execution_status, run_status, description, attempt_number)
                        VALUES (?, ?, ?, 1, ?, ?, ?, 0)""")
                .params(id, runId, environmentId, executionStatus.name(), runStatus, description)
                .update();
        return new AppendedSnapshot(id, 1, executionStatus);
    }

    /**
     * @param id              snapshot id
     * @param sequence        per-run sequence number (1 for the first snapshot)
     * @param executionStatus its execution status
     */
    public record AppendedSnapshot(String id, int sequence, ExecutionStatus executionStatus) {
    }
}
