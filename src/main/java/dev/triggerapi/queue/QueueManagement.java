package dev.triggerapi.queue;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The queue management API: list and retrieve queues with their running / queued counts, pause and resume,
 * override the concurrency limit and reset it.
 *
 * <p>Reads are replica-first: a list or a count that trails the primary by the replica's lag is harmless, and a
 * queue the replica does not know yet is re-checked on the writer before it is a 404. Changes run on the writer
 * and answer the row as committed, so the caller sees its own change. The dequeuer reads only the derived
 * {@code effective_concurrency_limit} (0 while paused), so a pause takes effect at the next dequeue.
 *
 * <p>{@code JdbcClient} because every read here is an aggregate over {@code task_runs} joined to queue rows.
 */
@Service
class QueueManagement {

    static final String ID_PREFIX = "queue_";
    static final String TASK_PREFIX = "task/";
    /** Keeps the cost of one overriding request bounded and the value meaningful. */
    static final int MAX_CONCURRENCY_LIMIT = 100_000;

    private static final String COLUMNS = """
            id, name, concurrency_limit, concurrency_limit_override, concurrency_limit_overridden_at, paused""";

    // SQL is the point: pause/override are conditional UPDATEs; the counts are one aggregate over task_runs.
    private final JdbcClient jdbc;
    private final ReplicaFirstReader database;
    private final Clock clock;

    QueueManagement(JdbcClient jdbc, ReplicaFirstReader database, Clock clock) {
        this.jdbc = jdbc;
        this.database = database;
        this.clock = clock;
    }

    /** One page of the environment's queues, by name (replica). */
    QueuePage list(String environmentId, int page, int perPage) {
        return database.onReplica(() -> {
            long count = jdbc.sql("SELECT count(*) FROM task_queues WHERE runtime_environment_id = ?")
                    .param(environmentId).query(Long.class).single();
            List<QueueRow> rows = jdbc.sql("SELECT " + COLUMNS
                            + " FROM task_queues WHERE runtime_environment_id = ? ORDER BY name, id LIMIT ? OFFSET ?")
                    .params(environmentId, perPage, (long) (page - 1) * perPage).query(QueueManagement::row).list();
            Map<String, Counts> counts = counts(environmentId, rows);
            List<QueueItem> items = rows.stream().map(r -> r.item(counts.getOrDefault(r.name, Counts.NONE))).toList();
            long totalPages = (count + perPage - 1) / perPage;
            return new QueuePage(items, new QueuePage.Pagination(page, totalPages, count));
        });
    }

    /** The queue, replica first and re-checked on the writer before it is "not found". */
    Optional<QueueItem> retrieve(String environmentId, QueueLocator locator) {
        return database.read(() -> find(environmentId, locator, false).map(QueueItemWithRow::item)).value();
    }

    @Transactional
    QueueItem setPaused(String environmentId, QueueLocator locator, boolean paused) {
        return update(environmentId, locator, "paused = ?", paused);
    }

    @Transactional
    QueueItem overrideConcurrencyLimit(String environmentId, QueueLocator locator, int limit) {
        Timestamp now = Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS));
        return update(environmentId, locator,
                "concurrency_limit_override = ?, concurrency_limit_overridden_at = ?", limit, now);
    }

    @Transactional
    QueueItem resetConcurrencyLimit(String environmentId, QueueLocator locator) {
        return update(environmentId, locator,
                "concurrency_limit_override = NULL, concurrency_limit_overridden_at = NULL");
    }

    /** Locks the row (so concurrent changes apply one after the other), changes it and answers it as committed. */
    private QueueItem update(String environmentId, QueueLocator locator, String assignments, Object... values) {
        QueueRow locked = find(environmentId, locator, true).map(QueueItemWithRow::row)
                .orElseThrow(() -> ApiException.notFound("Queue not found"));
        Object[] params = new Object[values.length + 1];
        System.arraycopy(values, 0, params, 0, values.length);
        params[values.length] = locked.id;
        // assignments are constants of this class; only values are bound.
        QueueRow row = jdbc.sql("UPDATE task_queues SET " + assignments + " WHERE id = ? RETURNING " + COLUMNS)
                .params(params).query(QueueManagement::row).single();
        return row.item(counts(environmentId, List.of(row)).getOrDefault(row.name, Counts.NONE));
    }

    private Optional<QueueItemWithRow> find(String environmentId, QueueLocator locator, boolean lock) {
        Optional<QueueRow> row = jdbc.sql("SELECT " + COLUMNS + " FROM task_queues WHERE runtime_environment_id = ? AND "
                        + locator.column() + " = ?" + (lock ? " FOR NO KEY UPDATE" : ""))
                .params(environmentId, locator.value()).query(QueueManagement::row).optional();
        return row.map(r -> new QueueItemWithRow(r, r.item(counts(environmentId, List.of(r))
                .getOrDefault(r.name, Counts.NONE))));
    }

    /** Running and queued runs per queue name, in one query over the partial indexes on status. */
    private Map<String, Counts> counts(String environmentId, List<QueueRow> rows) {
        Map<String, Counts> counts = new HashMap<>();
        if (rows.isEmpty()) {
            return counts;
        }
        jdbc.sql("""
                        SELECT queue,
                               count(*) FILTER (WHERE status IN ('DEQUEUED', 'EXECUTING')) AS running,
                               count(*) FILTER (WHERE status = 'QUEUED') AS queued
                        FROM task_runs
                        WHERE runtime_environment_id = ? AND queue = ANY (?)
                          AND status IN ('QUEUED', 'DEQUEUED', 'EXECUTING')
                        GROUP BY queue""")
                .params(environmentId, rows.stream().map(r -> r.name).toArray(String[]::new))
                .query((rs, n) -> counts.put(rs.getString("queue"), new Counts(rs.getLong("running"), rs.getLong("queued"))))
                .list();
        return counts;
    }

    private static QueueRow row(ResultSet rs, int n) throws SQLException {
        Timestamp overriddenAt = rs.getTimestamp("concurrency_limit_overridden_at");
        return new QueueRow(rs.getString("id"), rs.getString("name"), (Integer) rs.getObject("concurrency_limit"),
                (Integer) rs.getObject("concurrency_limit_override"),
                overriddenAt == null ? null : overriddenAt.toInstant().truncatedTo(ChronoUnit.MILLIS),
                rs.getBoolean("paused"));
    }

    private record Counts(long running, long queued) {
        static final Counts NONE = new Counts(0, 0);
    }

    private record QueueItemWithRow(QueueRow row, QueueItem item) {
    }

    private record QueueRow(String id, String name, Integer base, Integer override, Instant overriddenAt,
                            boolean paused) {

        QueueItem item(Counts counts) {
            boolean task = name.startsWith(TASK_PREFIX);
            // The limit in force while running; a pause is reported as paused, not as a limit of 0.
            Integer current = override != null ? override : base;
            return new QueueItem(ID_PREFIX + id, task ? name.substring(TASK_PREFIX.length()) : name,
                    task ? "task" : "custom", counts.running(), counts.queued(), paused, current, "V1",
                    new QueueItem.Concurrency(current, base, override, overriddenAt, null));
        }
    }

    /**
     * {@code GET /api/v1/queues} as the SDK's offset-limit pager reads it.
     *
     * @param data       the queues of this page
     * @param pagination page numbers (1-based) and the total count
     */
    record QueuePage(List<QueueItem> data, Pagination pagination) {

        /**
         * @param currentPage this page
         * @param totalPages  pages in all (the SDK asks for the next while {@code currentPage < totalPages})
         * @param count       queues in all
         */
        record Pagination(int currentPage, long totalPages, long count) {
        }
    }
}
