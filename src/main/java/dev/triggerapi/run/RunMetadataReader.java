package dev.triggerapi.run;

import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/v1/runs/{id}/metadata}: the run's metadata object, replica first (metadata a moment old is
 * what any replica read shows) and re-checked on the writer before a run is "not found".
 */
@Service
class RunMetadataReader {

    // Runs are not JPA entities (their writes are conditional SQL); one column read.
    // SQL is the point: task_runs is reached with SQL throughout (see RunCreator); one column read, replica-first.
    private final JdbcClient jdbc;
    private final ReplicaFirstReader reader;
    private final JsonMapper json;

    RunMetadataReader(JdbcClient jdbc, ReplicaFirstReader reader, JsonMapper json) {
        this.jdbc = jdbc;
        this.reader = reader;
        this.json = json;
    }

    /** The metadata as an object ({@code {}} when the run has none), or empty when there is no such run. */
    public Optional<ObjectNode> metadata(String environmentId, String runFriendlyId) {
        return reader.read(() -> jdbc.sql("""
                        SELECT metadata, metadata_type FROM task_runs WHERE friendly_id = ? AND runtime_environment_id = ?""")
                .params(runFriendlyId, environmentId)
                .query((rs, n) -> {
                    ObjectNode shown = StoredJson.metadata(json, rs.getString(1), rs.getString(2));
                    return shown != null ? shown : json.createObjectNode();
                }).optional()).value();
    }
}
