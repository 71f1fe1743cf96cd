package dev.triggerapi.deployment;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * {@code deployments.list} and {@code deployments.retrieveCurrent}: the environment's deployments, newest first,
 * and the one promoted as current. Registration here deploys at once, so every deployment is DEPLOYED.
 *
 * <p>The list is read on the replica (a deployment a moment old may be missing from a page, as from any list);
 * the current deployment is read on the replica and re-checked on the writer before it is a 404, through the
 * repository.
 */
@Service
class DeploymentReads {

    static final String ID_PREFIX = "deployment_";
    private static final int SHORT_CODE_LENGTH = 8;
    private static final String COLUMNS = "d.id, d.version, d.created_at";

    private final JdbcClient jdbc;
    private final WorkerDeploymentRepository deployments;
    private final ReplicaFirstReader database;

    DeploymentReads(JdbcClient jdbc, WorkerDeploymentRepository deployments, ReplicaFirstReader database) {
        this.jdbc = jdbc;
        this.deployments = deployments;
        this.database = database;
    }

    /**
     * @param after one page ends with this deployment id; null for the first page
     * @param from  only deployments created at or after this, or null
     * @param to    only deployments created at or before this, or null
     */
    DeploymentPage list(String environmentId, String after, int limit, Instant from, Instant to) {
        String afterId = after == null ? null : after.startsWith(ID_PREFIX) ? after.substring(ID_PREFIX.length()) : after;
        // SQL is the point: a keyset page with optional time bounds (the cursor is the last deployment's id and the
        // next page starts strictly after it).
        List<DeploymentItem> rows = database.onReplica(() -> jdbc.sql("SELECT " + COLUMNS + """
                         FROM worker_deployments d
                        WHERE d.runtime_environment_id = :env
                          AND (CAST(:from AS timestamptz) IS NULL OR d.created_at >= :from)
                          AND (CAST(:to AS timestamptz) IS NULL OR d.created_at <= :to)
                          AND (CAST(:after AS text) IS NULL OR (d.created_at, d.id) < (
                              SELECT a.created_at, a.id FROM worker_deployments a
                              WHERE a.id = :after AND a.runtime_environment_id = :env))
                        ORDER BY d.created_at DESC, d.id DESC
                        LIMIT :fetch""")
                .param("env", environmentId).param("from", timestamp(from)).param("to", timestamp(to))
                .param("after", afterId).param("fetch", limit + 1)
                .query(DeploymentReads::item).list());
        boolean more = rows.size() > limit;
        List<DeploymentItem> page = more ? rows.subList(0, limit) : rows;
        return new DeploymentPage(page, new DeploymentPage.Pagination(more ? page.get(page.size() - 1).id() : null));
    }

    /** The promoted deployment (none in DEVELOPMENT, where the newest worker is current without a deployment). */
    Optional<DeploymentItem> current(String environmentId) {
        // Replica first, then the writer: a promotion a moment old must not answer 404.
        return database.read(() -> deployments.findPromoted(environmentId)
                .map(d -> item(d.getId(), d.version(), d.createdAt()))).value();
    }

    private static DeploymentItem item(ResultSet rs, int n) throws SQLException {
        return item(rs.getString("id"), rs.getString("version"), rs.getTimestamp("created_at").toInstant());
    }

    private static DeploymentItem item(String id, String version, Instant createdAt) {
        Instant created = createdAt.truncatedTo(ChronoUnit.MILLIS);
        return new DeploymentItem(ID_PREFIX + id, created, id.substring(0, Math.min(SHORT_CODE_LENGTH, id.length())),
                version, null, null, "DEPLOYED", created);
    }

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    /**
     * A deployment in the SDK's {@code ApiDeploymentListResponseItem} shape.
     *
     * @param id             public id, {@code deployment_...}
     * @param createdAt      when it was registered
     * @param shortCode      a short form of the id
     * @param version        the worker version
     * @param runtime        null: the runtime is not recorded
     * @param runtimeVersion null: the runtime version is not recorded
     * @param status         always DEPLOYED
     * @param deployedAt     when it was deployed (registration deploys)
     */
    record DeploymentItem(String id, Instant createdAt, String shortCode, String version,
                          @JsonInclude(JsonInclude.Include.ALWAYS) String runtime,
                          @JsonInclude(JsonInclude.Include.ALWAYS) String runtimeVersion,
                          String status, Instant deployedAt) {
    }

    /**
     * The SDK's cursor page: {@code pagination.next} is the cursor for {@code page[after]}, absent on the last page.
     *
     * @param data       the deployments of this page
     * @param pagination the next cursor
     */
    record DeploymentPage(List<DeploymentItem> data, Pagination pagination) {

        /** @param next the cursor of the next page, or null (omitted) on the last */
        record Pagination(String next) {
        }
    }
}
