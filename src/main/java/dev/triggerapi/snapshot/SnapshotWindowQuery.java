package dev.triggerapi.snapshot;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The snapshots-since read as one SQL statement, so the anchor lookup and the window come from one
 * consistent snapshot of whichever server runs it (replica or primary) and no transaction is held open.
 *
 * <p>The anchor is found by (snapshot id, run) — and environment and worker group when scoped — so a snapshot id of another
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
    private static final String ENVIRONMENT_SCOPE = " AND s.runtime_environment_id = :environmentId";
    /*
     * A run claimed by a worker group is that group's alone (like start / heartbeat / complete). Before any claim
     * there is nothing to protect from another runner. A replica that has not applied the claim yet can only widen
     * the answer to "unclaimed", never narrow it into a false miss.
     */
    private static final String WORKER_GROUP_SCOPE = " AND (r.worker_group_id IS NULL OR r.worker_group_id = :workerGroupId)";
    private static final String UNSCOPED = SQL.formatted("");
    private static final String SCOPED = SQL.formatted(ENVIRONMENT_SCOPE);
    private static final String GROUP = SQL.formatted(WORKER_GROUP_SCOPE);
    private static final String SCOPED_GROUP = SQL.formatted(ENVIRONMENT_SCOPE + WORKER_GROUP_SCOPE);

    /**
     * Reads the window on {@code db}.
     *
     * @param limit most snapshots to return
     * @throws SnapshotAnchorNotFoundException when the anchor is not visible there for that run (and scope)
     */
    public SnapshotsSince read(JdbcClient db, SnapshotsSinceRequest request, int limit) {
        // SQL is the point: anchor lookup and window in one statement, on whichever pool the caller chose.
        boolean scoped = request.environmentScope() != null;
        boolean group = request.workerGroupId() != null;
        JdbcClient.StatementSpec statement = db.sql(scoped ? (group ? SCOPED_GROUP : SCOPED) : (group ? GROUP : UNSCOPED))
                .param("snapshotId", request.snapshotId())
                .param("runFriendlyId", request.runFriendlyId())
                .param("fetch", limit + 1);
        if (scoped) {
            statement = statement.param("environmentId", request.environmentScope());
        }
        if (group) {
            statement = statement.param("workerGroupId", request.workerGroupId());
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
