package dev.triggerapi.run;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Updates a run's metadata on the writer: the row is locked, the update applied to the stored object, and
 * only a real change is written; that write and its {@link RunChangedEvent} commit together. An update that
 * changes nothing writes nothing and announces nothing, so realtime subscribers see no empty event.
 */
@Service
public class RunMetadataUpdater {

    private static final String JSON = "application/json";

    // SQL is the point: read-modify-write under FOR UPDATE, then one UPDATE ... RETURNING.
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final ApplicationEventPublisher events;
    private final RunWriteLimits limits;

    public RunMetadataUpdater(JdbcClient jdbc, JsonMapper json, ApplicationEventPublisher events, RunWriteLimits limits) {
        this.jdbc = jdbc;
        this.json = json;
        this.events = events;
        this.limits = limits;
    }

    /**
     * @param environment the caller's environment (another environment's run is a 404)
     * @param runId       public run id
     * @param update      {@code {metadata?, operations?}}
     * @return the run's metadata after the update
     */
    @Transactional
    public ObjectNode update(AuthenticatedEnvironment environment, String runId, JsonNode update) {
        Locked run = jdbc.sql("""
                        SELECT id, friendly_id, status, metadata, metadata_type FROM task_runs
                        WHERE friendly_id = ? AND runtime_environment_id = ? FOR UPDATE""")
                .params(runId, environment.id())
                .query((rs, n) -> new Locked(rs.getString("id"), rs.getString("friendly_id"),
                        RunStatus.valueOf(rs.getString("status")), rs.getString("metadata"), rs.getString("metadata_type")))
                .optional().orElseThrow(() -> ApiException.notFound("Run not found"));
        if (run.status.isFinal()) {
            throw ApiException.badRequest("Cannot update the metadata of a finished run");
        }
        ObjectNode current = stored(run.metadata, run.metadataType);
        ObjectNode next = MetadataPatch.apply(current, update);
        if (next.equals(MetadataPatch.NUMERIC_AWARE, current)) {
            return current;
        }
        byte[] serialized = json.writeValueAsBytes(next);
        if (serialized.length > limits.metadataMaxBytes()) {
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "Metadata exceeds the limit of "
                    + limits.metadataMaxBytes() + " bytes (" + serialized.length + " bytes)");
        }
        Instant updatedAt = jdbc.sql("""
                        UPDATE task_runs SET metadata = ?, metadata_type = ? WHERE id = ? RETURNING updated_at""")
                .params(new String(serialized, StandardCharsets.UTF_8), JSON, run.id)
                .query((rs, n) -> rs.getTimestamp(1)).single().toInstant();
        events.publishEvent(new RunChangedEvent(run.id, run.friendlyId, environment.id(), updatedAt));
        return next;
    }

    /** The stored metadata as an object, as the API shows it; anything else starts empty. */
    private ObjectNode stored(String metadata, String type) {
        ObjectNode shown = StoredJson.metadata(json, metadata, type);
        return shown != null ? shown : json.createObjectNode();
    }

    private record Locked(String id, String friendlyId, RunStatus status, String metadata, String metadataType) {
    }
}
