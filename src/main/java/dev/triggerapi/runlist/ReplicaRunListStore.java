package dev.triggerapi.runlist;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The runs list from PostgreSQL, read on the replica ({@code readOnly} transaction). Used when replication is
 * off; it answers exactly like {@link ClickHouseRunListStore} (same filters, same order, same cursors). A list
 * may trail the writer by the replica's lag, as the ClickHouse one trails by the replication lag.
 */
@Component
class ReplicaRunListStore implements RunListStore {

    // SQL is the point: the runs list is a dynamically filtered, keyset-paged query over task_runs.
    private final JdbcClient jdbc;

    ReplicaRunListStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public String name() {
        return "replica";
    }

    @Override
    @Transactional(readOnly = true)
    public List<RunListRow> find(RunListQuery q, boolean newestFirst, RunListCursor cursor, int limit) {
        StringBuilder sql = new StringBuilder("""
                SELECT id, friendly_id, task_identifier, status, tags, is_test, idempotency_key, ttl, created_at,
                       updated_at, started_at, completed_at, delay_until, expired_at
                FROM task_runs WHERE runtime_environment_id = :env""");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("env", q.environmentId());
        if (!q.statuses().isEmpty()) {
            sql.append(" AND status = ANY(:statuses)");
            params.put("statuses", q.statuses().toArray(String[]::new));
        }
        if (!q.taskIdentifiers().isEmpty()) {
            sql.append(" AND task_identifier = ANY(:tasks)");
            params.put("tasks", q.taskIdentifiers().toArray(String[]::new));
        }
        if (!q.sources().isEmpty()) {
            sql.append(" AND trigger_source = ANY(:sources)");
            params.put("sources", q.sources().toArray(String[]::new));
        }
        if (!q.tags().isEmpty()) {
            sql.append(" AND tags && CAST(:tags AS text[])");
            params.put("tags", q.tags().toArray(String[]::new));
        }
        if (q.createdFrom() != null) {
            sql.append(" AND created_at >= :from");
            params.put("from", Timestamp.from(q.createdFrom()));
        }
        if (q.createdBefore() != null) {
            sql.append(" AND created_at < :before");
            params.put("before", Timestamp.from(q.createdBefore()));
        }
        if (q.isTest() != null) {
            sql.append(" AND is_test = :test");
            params.put("test", q.isTest());
        }
        anyOf(sql, params, "locked_to_worker_id", "workers", q.lockedToWorkerIds());
        anyOf(sql, params, "batch_id", "batches", q.batchIds());
        anyOf(sql, params, "schedule_id", "schedules", q.scheduleIds());
        anyOf(sql, params, "queue", "queues", q.queues());
        anyOf(sql, params, "machine", "machines", q.machines());
        anyOf(sql, params, "worker_group_id", "workerGroups", q.workerGroupIds());
        if (cursor != null) {
            sql.append(" AND (created_at, id) ").append(newestFirst ? "<" : ">").append(" (:cursorAt, :cursorId)");
            params.put("cursorAt", Timestamp.from(Instant.EPOCH.plus(cursor.createdAtMicros(), ChronoUnit.MICROS)));
            params.put("cursorId", cursor.runId());
        }
        String direction = newestFirst ? "DESC" : "ASC";
        sql.append(" ORDER BY created_at ").append(direction).append(", id ").append(direction).append(" LIMIT :limit");
        params.put("limit", limit);
        return jdbc.sql(sql.toString()).params(params).query(ReplicaRunListStore::row).list();
    }

    /** {@code AND column = ANY(:param)} when {@code values} is a filter (not null, not empty). */
    private static void anyOf(StringBuilder sql, Map<String, Object> params, String column, String param,
                              Collection<String> values) {
        if (values != null && !values.isEmpty()) {
            sql.append(" AND ").append(column).append(" = ANY(:").append(param).append(")");
            params.put(param, values.toArray(String[]::new));
        }
    }

    private static RunListRow row(ResultSet rs, int n) throws SQLException {
        Array tagArray = rs.getArray("tags");
        List<String> tags = new ArrayList<>();
        if (tagArray != null) {
            for (Object tag : (Object[]) tagArray.getArray()) {
                tags.add((String) tag);
            }
        }
        return new RunListRow(rs.getString("id"), rs.getString("friendly_id"), rs.getString("task_identifier"),
                rs.getString("status"), List.copyOf(tags), rs.getBoolean("is_test"), rs.getString("idempotency_key"),
                rs.getString("ttl"), micros(rs.getTimestamp("created_at")), micros(rs.getTimestamp("updated_at")),
                microsOrNull(rs.getTimestamp("started_at")), microsOrNull(rs.getTimestamp("completed_at")),
                microsOrNull(rs.getTimestamp("delay_until")), microsOrNull(rs.getTimestamp("expired_at")));
    }

    private static long micros(Timestamp ts) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, ts.toInstant());
    }

    private static Long microsOrNull(Timestamp ts) {
        return ts == null ? null : micros(ts);
    }
}
