package dev.triggerapi.run;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.packet.PacketStore;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a run for the public API. Replica first, re-checked on the writer when the replica has no row
 * ({@link ReplicaFirstReader}), so a run triggered a moment ago is found while the replica lags; its status
 * may trail the primary by the replica's lag, like any replica read.
 */
@Service
public class RunRetrieval {

    // Runs are not JPA entities (their writes are conditional SQL); one joined read of the run and its snapshot.
    // SQL is the point: task_runs is reached with SQL throughout (see RunCreator); replica-first, writer re-check.
    private final JdbcClient jdbc;
    private final ReplicaFirstReader reader;
    private final PacketStore packets;
    private final JsonMapper json;

    RunRetrieval(JdbcClient jdbc, ReplicaFirstReader reader, PacketStore packets, JsonMapper json) {
        this.jdbc = jdbc;
        this.reader = reader;
        this.packets = packets;
        this.json = json;
    }

    /**
     * The run of this environment with this public id, or empty (also for another environment's run). Call it
     * while serving an HTTP request: an offloaded payload's presigned URL is built from the request's base URL
     * unless {@code PACKETS_PUBLIC_BASE_URL} is set.
     */
    public Optional<RetrievedRun> retrieve(String environmentId, String runFriendlyId) {
        return reader.read(() -> select(environmentId, runFriendlyId)).value();
    }

    /** As {@link #retrieve}, on the writer only: for answering a change the caller has just committed. */
    public Optional<RetrievedRun> retrieveFromWriter(String environmentId, String runFriendlyId) {
        return reader.onWriter(() -> select(environmentId, runFriendlyId));
    }

    private Optional<RetrievedRun> select(String environmentId, String runFriendlyId) {
        return jdbc.sql("""
                        SELECT friendly_id, runtime_environment_id, status, task_identifier, is_test, created_at, updated_at,
                               started_at, completed_at, delay_until, expired_at, tags, attempt_number, idempotency_key,
                               ttl, batch_id, metadata, metadata_type, payload, payload_type, output, output_type,
                               error::text AS error,
                               (SELECT w.version FROM background_workers w WHERE w.id = task_runs.locked_to_worker_id)
                                   AS locked_version,
                               COALESCE((SELECT b.friendly_id FROM task_run_batches b WHERE b.id = task_runs.batch_id),
                                        task_runs.batch_id) AS batch_friendly_id
                        FROM task_runs WHERE friendly_id = ? AND runtime_environment_id = ?""")
                .params(runFriendlyId, environmentId).query(this::map).optional();
    }

    private RetrievedRun map(ResultSet rs, int n) throws SQLException {
        RunStatus status = RunStatus.valueOf(rs.getString("status"));
        String environmentId = rs.getString("runtime_environment_id");
        Instant startedAt = instant(rs.getTimestamp("started_at"));
        Instant finishedAt = instant(rs.getTimestamp("completed_at"));
        String payloadType = rs.getString("payload_type");
        String payload = rs.getString("payload");
        boolean payloadOffloaded = PacketStore.STORE_PAYLOAD_TYPE.equals(payloadType) && payload != null;
        String outputType = rs.getString("output_type");
        String output = rs.getString("output");
        boolean outputOffloaded = PacketStore.STORE_PAYLOAD_TYPE.equals(outputType) && output != null;
                return new RetrievedRun(
                rs.getString("friendly_id"),
                status.publicStatus(),
                rs.getString("task_identifier"),
                PublicRunFlags.of(status),
                rs.getBoolean("is_test"),
                instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("updated_at")),
                startedAt,
                finishedAt,
                status == RunStatus.DELAYED ? instant(rs.getTimestamp("delay_until")) : null,
                instant(rs.getTimestamp("expired_at")),
                tags(rs.getArray("tags")),
                0,
                0,
                startedAt != null && finishedAt != null ? Math.max(0, Duration.between(startedAt, finishedAt).toMillis()) : 0,
                0,
                rs.getString("batch_id") == null ? "trigger" : "batchTrigger",
                Map.of(),
                rs.getInt("attempt_number"),
                rs.getString("idempotency_key"),
                rs.getString("ttl"),
                rs.getString("batch_friendly_id"),
                StoredJson.metadata(json, rs.getString("metadata"), rs.getString("metadata_type")),
                payloadOffloaded ? null : StoredJson.render(json, payload, payloadType),
                payloadOffloaded ? packets.downloadUrl(environmentId, payload) : null,
                outputOffloaded ? null : StoredJson.render(json, output, outputType),
                outputOffloaded ? packets.downloadUrl(environmentId, output) : null,
                error(rs.getString("error")),
                rs.getString("locked_version"));
    }

    private RunError error(String stored) {
        if (stored == null) {
            return null;
        }
        try {
            JsonNode node = json.readTree(stored);
            String message = node.path("message").isString() ? node.get("message").stringValue() : "Unknown error";
            return new RunError(message, node.path("name").isString() ? node.get("name").stringValue() : null,
                    node.path("stackTrace").isString() ? node.get("stackTrace").stringValue() : null);
        } catch (JacksonException e) {
            return new RunError(stored, null, null);
        }
    }

    private static List<String> tags(Array array) throws SQLException {
        return array == null ? List.of() : List.of((String[]) array.getArray());
    }

    /** Millisecond precision: what JavaScript dates hold (the SDK parses with {@code new Date(...)}). */
    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant().truncatedTo(ChronoUnit.MILLIS);
    }
}
