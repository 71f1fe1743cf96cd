package dev.triggerapi.snapshot;

import dev.triggerapi.datasource.JdbcTransactions;
import java.sql.Timestamp;

import dev.triggerapi.ids.Ids;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Appends an execution snapshot inside the caller's writer transaction, so a state change and its snapshot
 * commit together or not at all. The per-run sequence comes from {@code task_runs.snapshot_sequence}, bumped
 * in the same statement that records the run's latest snapshot: the row lock that bump takes serialises
 * concurrent appenders of one run, so sequences are gap-free and strictly ordered.
 *
 * <p>The bump is an UPDATE of the run row, so a caller that also updates the run should append first and
 * update the run last: the last write's {@code updated_at} is the committed one (the realtime watermark).
 */
@Component
public class SnapshotAppender {

    // SQL is the point: append-only snapshots with a per-run sequence bumped by UPDATE ... RETURNING.
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
    public ExecutionSnapshot append(String runId, String environmentId, ExecutionStatus executionStatus, String runStatus,
                                    String description, int attemptNumber) {
        JdbcTransactions.requireActive();
        String id = Ids.newId();
        int sequence = jdbc.sql("""
                        UPDATE task_runs SET snapshot_sequence = snapshot_sequence + 1, latest_snapshot_id = ?
                        WHERE id = ? RETURNING snapshot_sequence""")
                .params(id, runId).query(Integer.class).single();
        return insert(id, runId, environmentId, sequence, executionStatus, runStatus, description, attemptNumber);
    }

    /**
     * The first snapshot of a run that the same statement inserts, as a step of that statement: it reads a
     * preceding {@code WITH} step named {@code run} whose RETURNING row holds the new run's {@code id},
     * {@code runtime_environment_id} and {@code latest_snapshot_id} (the run row is written with
     * {@code snapshot_sequence = 1} and that id already set), and inserts nothing when that step returned no row.
     * Three parameters follow the run step's: execution status, run status, description.
     */
    public static final String FIRST_SNAPSHOT_OF_RUN = """
            INSERT INTO execution_snapshots
                (id, run_id, runtime_environment_id, sequence, execution_status, run_status, description, attempt_number)
            SELECT latest_snapshot_id, id, runtime_environment_id, 1, ?, ?, ?, 0 FROM run""";

    private ExecutionSnapshot insert(String id, String runId, String environmentId, int sequence,
                                     ExecutionStatus executionStatus, String runStatus, String description,
                                     int attemptNumber) {
        Timestamp createdAt = jdbc.sql("""
                        INSERT INTO execution_snapshots
                            (id, run_id, runtime_environment_id, sequence, execution_status, run_status, description, attempt_number)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        RETURNING created_at""")
                .params(id, runId, environmentId, sequence, executionStatus.name(), runStatus, description, attemptNumber)
                .query(Timestamp.class).single();
        return new ExecutionSnapshot(id, runId, sequence, executionStatus, runStatus, description, attemptNumber,
                createdAt.toInstant());
    }
}
