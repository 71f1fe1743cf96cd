package dev.triggerapi.run;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Results of finished runs ({@code GET /api/v1/runs/{id}/result}, and the items of a batch's results). Only a
 * finished run has a result: an unfinished or unknown run is "no result", which is re-checked on the writer
 * before it becomes a 404, because a run that finished a moment ago may still be running on the replica.
 */
@Service
public class RunResults {

    private static final String COLUMNS = """
            friendly_id, task_identifier, status, output, output_type, error::text AS error, started_at, completed_at""";

    // Runs are not JPA entities (their writes are conditional SQL); windowed reads of finished runs.
    // SQL is the point: task_runs is reached with SQL throughout (see RunCreator); one statement per page.
    private final JdbcClient jdbc;
    private final ReplicaFirstReader reader;
    private final JsonMapper json;

    RunResults(JdbcClient jdbc, ReplicaFirstReader reader, JsonMapper json) {
        this.jdbc = jdbc;
        this.reader = reader;
        this.json = json;
    }

    /** The run's result if it is finished (replica first, writer re-check), else empty. */
    public Optional<RunExecutionResult> result(String environmentId, String runFriendlyId) {
        return reader.read(() -> jdbc.sql("SELECT " + COLUMNS
                        + " FROM task_runs WHERE friendly_id = ? AND runtime_environment_id = ?")
                .params(runFriendlyId, environmentId).query(this::map).optional().flatMap(result -> result)).value();
    }

    /**
     * The results of a batch's finished runs in item order, read in the caller's transaction (so the batch and
     * its runs come from the same database).
     *
     * @param batchId the batch's internal id (as {@code task_runs.batch_id} holds it)
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<RunExecutionResult> finishedInBatch(String environmentId, String batchId) {
        return jdbc.sql("SELECT " + COLUMNS + """
                         FROM task_runs WHERE batch_id = ? AND runtime_environment_id = ?
                        ORDER BY batch_index NULLS LAST, created_at, id""")
                .params(batchId, environmentId).query(this::map).stream().flatMap(Optional::stream).toList();
    }

    private Optional<RunExecutionResult> map(ResultSet rs, int n) throws SQLException {
        RunStatus status = RunStatus.valueOf(rs.getString("status"));
        if (!status.isFinal()) {
            return Optional.empty();
        }
        String id = rs.getString("friendly_id");
        String task = rs.getString("task_identifier");
        Timestamp started = rs.getTimestamp("started_at");
        Timestamp completed = rs.getTimestamp("completed_at");
        long durationMs = started == null || completed == null ? 0
                : Math.max(0, Duration.between(started.toInstant(), completed.toInstant()).toMillis());
        RunExecutionResult.Usage usage = new RunExecutionResult.Usage(durationMs);
        if (status == RunStatus.COMPLETED_SUCCESSFULLY) {
            String outputType = rs.getString("output_type");
            return Optional.of(new RunExecutionResult(true, id, rs.getString("output"),
                    outputType == null ? "application/json" : outputType, usage, task, null));
        }
        return Optional.of(new RunExecutionResult(false, id, null, null, usage, task,
                error(status, rs.getString("error"))));
    }

    /** The stored error as a {@code TaskRunError}; a run that ended without one gets the reason as an internal error. */
    private Map<String, Object> error(RunStatus status, String stored) {
        Map<String, Object> error = new LinkedHashMap<>();
        if (stored != null) {
            JsonNode node = parse(stored);
            String message = node != null && node.path("message").isString() ? node.get("message").stringValue() : stored;
            if (node != null && node.path("name").isString()) {
                error.put("type", "BUILT_IN_ERROR");
                error.put("name", node.get("name").stringValue());
                error.put("message", message);
                error.put("stackTrace", node.path("stackTrace").isString() ? node.get("stackTrace").stringValue() : "");
            } else {
                error.put("type", "STRING_ERROR");
                error.put("raw", message);
            }
            return error;
        }
        error.put("type", "INTERNAL_ERROR");
        switch (status) {
            case CANCELED -> error.put("code", "TASK_RUN_CANCELLED");
            case CRASHED -> error.put("code", "TASK_RUN_CRASHED");
            case TIMED_OUT -> error.put("code", "MAX_DURATION_EXCEEDED");
            default -> {
                error.put("code", "UNSPECIFIED_ERROR");
                error.put("message", "Run ended with status " + status.publicStatus());
            }
        }
        return error;
    }

    private JsonNode parse(String stored) {
        try {
            return json.readTree(stored);
        } catch (JacksonException e) {
            return null;
        }
    }
}
