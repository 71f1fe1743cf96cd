package dev.triggerapi.realtime;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.run.RunStatus;
import dev.triggerapi.run.StoredJson;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads runs for the feed ("hydration"). Reads go to the replica, or to the writer when
 * {@code REALTIME_RUN_READS_FROM_PRIMARY} is set or no replica is configured. Each read is its own short
 * transaction: no connection is ever held across a gate wait or a retry delay.
 */
final class RunViewReader {

    private static final String COLUMNS = """
            SELECT id, friendly_id, runtime_environment_id, task_identifier, status, metadata, metadata_type, tags,
                   output, output_type, error::text AS error, attempt_number, is_test, batch_id, created_at, updated_at,
                   started_at, completed_at, payload, payload_type, idempotency_key, ttl, delay_until, queued_at,
                   expired_at
            FROM task_runs""";

    // SQL is the point: a task_runs column projection (run, tag window, batch), replica-first, writer re-read.
    private final JdbcClient jdbc;
    private final ReplicaFirstReader reader;
    private final JsonMapper json;
    private final boolean fromReplica;

    /**
     * @param fromReplica whether hydration reads the replica (false: the writer)
     */
    RunViewReader(JdbcClient jdbc, ReplicaFirstReader reader, JsonMapper json, boolean fromReplica) {
        this.jdbc = jdbc;
        this.reader = reader;
        this.json = json;
        this.fromReplica = fromReplica;
    }

    /** Whether hydration reads a replica that can lag (and so needs the gate and the tripwire). */
    boolean readsFromReplica() {
        return fromReplica;
    }

    /** The current rows of some runs of one environment, by internal id (missing when not visible). */
    Map<String, HydratedRun> byIds(String environmentId, Collection<String> runIds) {
        String[] ids = runIds.toArray(String[]::new);
        return hydrating(() -> jdbc.sql(COLUMNS + " WHERE runtime_environment_id = :env AND id = ANY(CAST(:ids AS text[]))")
                .param("env", environmentId).param("ids", ids)
                .query(this::row).list())
                .stream().collect(Collectors.toMap(HydratedRun::runId, Function.identity(), (a, b) -> a));
    }

    /**
     * The runs of a feed, newest first, at most {@code limit}.
     *
     * @param updatedAfter only versions newer than this (a resume), or null
     */
    List<HydratedRun> feed(FeedSpec spec, Instant updatedAfter, int limit) {
        return hydrating(() -> query(spec, updatedAfter, limit));
    }

    /** {@link #feed} on the writer: the one-run feed's fallback when the replica has not applied the run yet. */
    List<HydratedRun> feedOnWriter(FeedSpec spec, Instant updatedAfter, int limit) {
        return reader.onWriter(() -> query(spec, updatedAfter, limit));
    }

    /** Finds a run by public id for a new subscription: replica first, writer when the replica has no row. */
    Optional<HydratedRun> findByFriendlyId(String environmentId, String friendlyId) {
        Supplier<Optional<HydratedRun>> query = () -> jdbc.sql(COLUMNS
                        + " WHERE runtime_environment_id = :env AND friendly_id = :friendlyId")
                .param("env", environmentId).param("friendlyId", friendlyId).query(this::row).optional();
        return fromReplica ? reader.read(query).value() : reader.onWriter(query);
    }

    /**
     * Whether the environment has this batch (any id form): a batch row, or runs pointing at it. Replica first,
     * writer when the replica has neither, so a batch created a moment ago is found.
     */
    boolean batchExists(String environmentId, Set<String> batchIds) {
        String[] ids = batchIds.toArray(String[]::new);
        Supplier<Optional<Boolean>> query = () -> jdbc.sql("""
                        SELECT EXISTS (SELECT 1 FROM task_run_batches WHERE runtime_environment_id = :env
                                         AND (id = ANY(CAST(:ids AS text[])) OR friendly_id = ANY(CAST(:ids AS text[]))))
                            OR EXISTS (SELECT 1 FROM task_runs WHERE runtime_environment_id = :env
                                         AND batch_id = ANY(CAST(:ids AS text[])))""")
                .param("env", environmentId).param("ids", ids)
                .query(Boolean.class).optional().filter(Boolean::booleanValue);
        return (fromReplica ? reader.read(query).value() : reader.onWriter(query)).isPresent();
    }

    private <T> T hydrating(Supplier<T> query) {
        return fromReplica ? reader.onReplica(query) : reader.onWriter(query);
    }

    private List<HydratedRun> query(FeedSpec spec, Instant updatedAfter, int limit) {
        String since = updatedAfter == null ? "" : " AND updated_at > :updatedAfter";
        Timestamp after = updatedAfter == null ? null : Timestamp.from(updatedAfter);
        JdbcClient.StatementSpec statement;
        if (spec instanceof FeedSpec.OneRun one) {
            statement = jdbc.sql(COLUMNS + " WHERE runtime_environment_id = :env AND id = :id" + since)
                    .param("id", one.runId());
        } else if (spec instanceof FeedSpec.Batch batch) {
            statement = jdbc.sql(COLUMNS + " WHERE runtime_environment_id = :env AND batch_id = ANY(CAST(:batchIds AS text[]))"
                            + since + " ORDER BY created_at DESC, id DESC LIMIT :limit")
                    .param("batchIds", batch.batchIds().toArray(String[]::new));
        } else {
            FeedSpec.Tagged tagged = (FeedSpec.Tagged) spec;
            statement = jdbc.sql(COLUMNS + " WHERE runtime_environment_id = :env AND created_at >= :createdAfter"
                            + (tagged.tags().isEmpty() ? "" : " AND tags @> CAST(:tags AS text[])") + since
                            + " ORDER BY created_at DESC, id DESC LIMIT :limit")
                    .param("createdAfter", Timestamp.from(tagged.createdAfter()));
            if (!tagged.tags().isEmpty()) {
                statement = statement.param("tags", tagged.tags().toArray(String[]::new));
            }
        }
        statement = statement.param("env", spec.environmentId());
        if (!(spec instanceof FeedSpec.OneRun)) {
            statement = statement.param("limit", limit);
        }
        if (after != null) {
            statement = statement.param("updatedAfter", after);
        }
        return statement.query(this::row).list();
    }

    private HydratedRun row(ResultSet rs, int n) throws SQLException {
        String output = rs.getString("output");
        String outputType = rs.getString("output_type");
        String error = rs.getString("error");
        RunView view = new RunView(
                rs.getString("friendly_id"),
                RunStatus.valueOf(rs.getString("status")).publicStatus(),
                rs.getString("task_identifier"),
                StoredJson.metadata(json, rs.getString("metadata"), rs.getString("metadata_type")),
                tags(rs.getArray("tags")),
                StoredJson.render(json, output, outputType),
                output == null ? null : outputType,
                StoredJson.render(json, error, "application/json"),
                rs.getInt("attempt_number"),
                rs.getBoolean("is_test"),
                rs.getString("batch_id"),
                instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("updated_at")),
                instant(rs.getTimestamp("started_at")),
                instant(rs.getTimestamp("completed_at")));
        RunColumns columns = new RunColumns(rs.getString("id"), rs.getString("friendly_id"),
                rs.getString("task_identifier"), RunStatus.valueOf(rs.getString("status")),
                rs.getString("payload"), rs.getString("payload_type"), rs.getString("metadata"),
                rs.getString("metadata_type"), output, output == null ? null : outputType, error,
                rs.getString("idempotency_key"), rs.getString("ttl"), rs.getBoolean("is_test"), view.tags(),
                view.createdAt(), view.updatedAt(), view.startedAt(), instant(rs.getTimestamp("delay_until")),
                instant(rs.getTimestamp("queued_at")), instant(rs.getTimestamp("expired_at")), view.finishedAt());
        return new HydratedRun(rs.getString("id"), rs.getString("runtime_environment_id"), rs.getString("batch_id"),
                view, json.writeValueAsBytes(view), columns);
    }

    private static List<String> tags(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return Arrays.asList((String[]) array.getArray());
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
