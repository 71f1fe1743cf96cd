package dev.triggerapi.run;

import java.sql.Array;
import java.util.List;
import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Reads the run a replay copies. Replica first — what a replay copies never changes after the trigger (tags
 * only grow) — and re-checked on the writer before it is "not found", so a run triggered a moment ago can be
 * replayed.
 */
@Service
public class ReplayableRuns {

    // Runs are not JPA entities (their writes are conditional SQL); one row read.
    // SQL is the point: task_runs is reached with SQL throughout (see RunCreator); one flat row read.
    private final JdbcClient jdbc;
    private final ReplicaFirstReader reader;

    ReplayableRuns(JdbcClient jdbc, ReplicaFirstReader reader) {
        this.jdbc = jdbc;
        this.reader = reader;
    }

    /** The environment's run with this public id, or empty (also for another environment's run). */
    public Optional<ReplayableRun> find(String environmentId, String runFriendlyId) {
        return reader.read(() -> jdbc.sql("""
                        SELECT task_identifier, queue, locked_queue_id, locked_to_worker_id, payload, payload_type,
                               metadata, metadata_type, tags, ttl, ttl_seconds, trigger_source, concurrency_key, priority_ms,
                               max_attempts, max_duration_seconds, machine, is_test
                        FROM task_runs WHERE friendly_id = ? AND runtime_environment_id = ?""")
                .params(runFriendlyId, environmentId)
                .query((rs, n) -> {
                    Array tags = rs.getArray("tags");
                    return new ReplayableRun(rs.getString("task_identifier"), rs.getString("queue"),
                            rs.getString("locked_queue_id"), rs.getString("locked_to_worker_id"), rs.getString("payload"),
                            rs.getString("payload_type"), rs.getString("metadata"), rs.getString("metadata_type"),
                            tags == null ? List.of() : List.of((String[]) tags.getArray()), rs.getString("ttl"),
                            (Long) rs.getObject("ttl_seconds"), rs.getString("trigger_source"),
                            rs.getString("concurrency_key"), rs.getInt("priority_ms"), (Integer) rs.getObject("max_attempts"),
                            (Integer) rs.getObject("max_duration_seconds"), rs.getString("machine"),
                            rs.getBoolean("is_test"));
                }).optional()).value();
    }
}
