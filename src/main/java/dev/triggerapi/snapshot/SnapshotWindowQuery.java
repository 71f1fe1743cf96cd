package dev.triggerapi.snapshot;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The snapshots-since read as one SQL statement, so the anchor lookup and the window come from one
 * consistent snapshot of whichever server runs it (replica or primary) and no transaction is held open.
 *
 * <p>The anchor is found by (snapshot id, run) — and environment when scoped — so a snapshot id of another
 * run is a miss, never a wrong window. The window is ordered by the per-run {@code sequence}: timestamps can
 * tie, sequences cannot. One extra row is fetched to tell whether more exist.
 */
public final class SnapshotWindowQuery {

    private static final String SQL = """
            WITH anchor AS (
                SELECT s.run_id, s.sequence
                FROM execution_snapshots s
                JOIN task_runs r ON r.id = s.run_id
                WHERE s.id = :snapshotId AND r.friendly_id = :runFriendlyId %s
            )
            SELECT a.run_id, n.id, n.execution_status, n.description, n.created_at, n.run_status, n.attempt_number
            FROM anchor a
            LEFT JOIN LATERAL (
                SELECT id, execution_status, description, created_at, run_status, attempt_number, sequence
                FROM execution_snapshots
                WHERE run_id = a.run_id AND sequence > a.sequence
                ORDER BY sequence
                LIMIT :fetch
            ) n ON true
            ORDER BY n.sequence""";
    private static final String UNSCOPED = SQL.formatted("");
    private static final String SCOPED = SQL.formatted("AND s.runtime_environment_id = :environmentId");

    /**
     * Reads the window on {@code db}.
     *
     * @param limit most snapshots to return
     * @throws SnapshotAnchorNotFoundException when the anchor is not visible there for that run (and scope)
     */
    public SnapshotsSince read(JdbcClient db, SnapshotsSinceRequest request, int limit) {
        JdbcClient.StatementSpec statement = db.sql(request.environmentScope() == null ? UNSCOPED : SCOPED)
                .param("snapshotId", request.snapshotId())
                .param("runFriendlyId", request.runFriendlyId())
                .param("fetch", limit + 1);
        if (request.environmentScope() != null) {
            statement = statement.param("environmentId", request.environmentScope());
        }
        List<SnapshotsSince.Item> items = new ArrayList<>();
        int rows = statement.query(rs -> {
            int count = 0;
            while (rs.next()) {
                count++;
                String id = rs.getString("id");
                if (id != null) {
                    Timestamp createdAt = rs.getTimestamp("created_at");
                    items.add(new SnapshotsSince.Item(
                            new SnapshotsSince.Snapshot(id, ExecutionStatus.valueOf(rs.getString("execution_status")),
                                    rs.getString("description"), createdAt.toInstant()),
                            new SnapshotsSince.Run(rs.getString("run_id"), request.runFriendlyId(),
                                    rs.getString("run_status"), rs.getInt("attempt_number"))));
                }
            }
            return count;
        });
        if (rows == 0) {
            throw new SnapshotAnchorNotFoundException(request.snapshotId());
        }
        boolean hasMore = items.size() > limit;
        return new SnapshotsSince(hasMore ? List.copyOf(items.subList(0, limit)) : List.copyOf(items), hasMore);
    }
}
