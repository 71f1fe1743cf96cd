package dev.triggerapi.snapshot;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Reads single snapshots in the caller's transaction (the lifecycle engine uses it on the writer to show a
 * runner the run's current snapshot when it acted on a stale one).
 */
@Component
public class ExecutionSnapshots {

    // Runs and snapshots are not JPA entities: their tables are written by conditional SQL (see RunStateWriter).
    // SQL is the point: the latest snapshot of a run is ORDER BY the per-run sequence LIMIT 1 on an index.
    private final JdbcClient jdbc;

    public ExecutionSnapshots(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The snapshot with this id, if any. */
    public Optional<ExecutionSnapshot> find(String snapshotId) {
        return jdbc.sql("""
                        SELECT id, run_id, sequence, execution_status, run_status, description, attempt_number, created_at
                        FROM execution_snapshots WHERE id = ?""")
                .param(snapshotId).query(ExecutionSnapshots::map).optional();
    }

    static ExecutionSnapshot map(ResultSet rs, int n) throws SQLException {
        return new ExecutionSnapshot(rs.getString("id"), rs.getString("run_id"), rs.getInt("sequence"),
                ExecutionStatus.valueOf(rs.getString("execution_status")), rs.getString("run_status"),
                rs.getString("description"), rs.getInt("attempt_number"), rs.getTimestamp("created_at").toInstant());
    }
}
