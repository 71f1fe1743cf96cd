package dev.triggerapi.deployment;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.taskmeta.TaskMetadata;
import dev.triggerapi.taskmeta.WorkerTaskMetadata;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The queries a trigger needs about workers, tasks and queues, one statement each. They carry no transaction of
 * their own: the caller decides where each runs (replica in a read-only transaction, or the writer), typically
 * through {@code ReplicaFirstReader}.
 *
 * <p>SQL is the point: these are the trigger path's database reads (every cache miss), and the same single
 * statements through Spring Data/HQL cost twice the allocation and about 50 % more CPU and p50 per no-cache
 * resolve (BENCHMARKS.md, "JPA for the domain model"); the tables' entities and repositories serve registration,
 * promotion and the deployment API.
 */
@Component
public class WorkerTaskLookup {

    private static final String NEWEST_WORKER = """
            SELECT id FROM background_workers WHERE runtime_environment_id = ?
            ORDER BY created_at DESC, id DESC LIMIT 1""";

    private static final String TASK_COLUMNS = "t.ttl, t.trigger_source, t.queue_id, q.name AS queue_name";

    private final JdbcClient jdbc;

    WorkerTaskLookup(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * {@code slug} on the environment's current worker: the newest worker in DEVELOPMENT, the promoted
     * deployment's worker elsewhere. Empty when there is no current worker or it has no such task.
     */
    public Optional<WorkerTaskMetadata> currentWorkerTask(String environmentId, EnvironmentType type, String slug) {
        String current = type == EnvironmentType.DEVELOPMENT
                ? "(" + NEWEST_WORKER + ")"
                : "(SELECT worker_id AS id FROM worker_deployment_promotions WHERE runtime_environment_id = ?)";
        return jdbc.sql("SELECT w.id AS worker_id, " + TASK_COLUMNS + " FROM " + current + " w"
                        + " JOIN background_worker_tasks t ON t.worker_id = w.id AND t.slug = ?"
                        + " LEFT JOIN task_queues q ON q.id = t.queue_id")
                .params(environmentId, slug)
                .query((rs, n) -> new WorkerTaskMetadata(rs.getString("worker_id"), metadata(rs))).optional();
    }

    /** The worker registered as {@code version} in the environment (internal id). */
    public Optional<String> workerIdForVersion(String environmentId, String version) {
        return jdbc.sql("SELECT id FROM background_workers WHERE runtime_environment_id = ? AND version = ?")
                .params(environmentId, version).query(String.class).optional();
    }

    /** {@code slug} on one worker version. */
    public Optional<TaskMetadata> workerTask(String workerId, String slug) {
        return jdbc.sql("SELECT " + TASK_COLUMNS + " FROM background_worker_tasks t"
                        + " LEFT JOIN task_queues q ON q.id = t.queue_id WHERE t.worker_id = ? AND t.slug = ?")
                .params(workerId, slug).query((rs, n) -> metadata(rs)).optional();
    }

    /**
     * The environment's current worker: the newest worker in DEVELOPMENT, the promoted deployment's worker
     * elsewhere. One indexed row.
     */
    public Optional<String> currentWorkerId(String environmentId, EnvironmentType type) {
        String sql = type == EnvironmentType.DEVELOPMENT
                ? NEWEST_WORKER
                : "SELECT worker_id FROM worker_deployment_promotions WHERE runtime_environment_id = ?";
        return jdbc.sql(sql).param(environmentId).query(String.class).optional();
    }

    /**
     * The queues the worker declared, queue id by name; empty when the worker has none (or is not visible
     * where this runs). The set is written in the worker's registration transaction and never changes.
     */
    public Map<String, String> workerQueues(String environmentId, String workerId) {
        Map<String, String> queues = new HashMap<>();
        jdbc.sql("""
                        SELECT q.name, q.id FROM background_worker_queues wq
                        JOIN task_queues q ON q.id = wq.queue_id AND q.runtime_environment_id = ?
                        WHERE wq.worker_id = ?""")
                .params(environmentId, workerId)
                .query(rs -> {
                    queues.put(rs.getString("name"), rs.getString("id"));
                });
        return queues;
    }

    private static TaskMetadata metadata(ResultSet rs) throws SQLException {
        return new TaskMetadata(rs.getString("ttl"), rs.getString("trigger_source"), rs.getString("queue_id"),
                rs.getString("queue_name"));
    }
}
