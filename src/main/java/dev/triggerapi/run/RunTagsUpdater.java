package dev.triggerapi.run;

import java.sql.Array;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Adds tags to a run on the writer (row locked, union with the existing tags, at most {@code maxTags} in total).
 * Adding only tags the run already has writes and announces nothing.
 */
@Service
class RunTagsUpdater {

    static final int MAX_TAG_LENGTH = 128;

    // SQL is the point: array merge under the row lock in one UPDATE ... RETURNING.
    private final JdbcClient jdbc;
    private final ApplicationEventPublisher events;
    private final RunWriteLimits limits;

    public RunTagsUpdater(JdbcClient jdbc, ApplicationEventPublisher events, RunWriteLimits limits) {
        this.jdbc = jdbc;
        this.events = events;
        this.limits = limits;
    }

    /**
     * @return how many of the given tags were new on the run
     */
    @Transactional
    public int add(AuthenticatedEnvironment environment, String runId, List<String> tags) {
        for (String tag : tags) {
            if (tag == null || tag.isBlank()) {
                throw ApiException.badRequest("Tags must be non-empty strings");
            }
            if (tag.indexOf('\0') >= 0) {
                throw ApiException.badRequest("Tags must not contain NUL (\\u0000) characters");
            }
            if (tag.length() > MAX_TAG_LENGTH) {
                throw ApiException.badRequest("Tags must be at most " + MAX_TAG_LENGTH + " characters");
            }
        }
        Locked run = jdbc.sql("""
                        SELECT id, friendly_id, tags FROM task_runs
                        WHERE friendly_id = ? AND runtime_environment_id = ? FOR UPDATE""")
                .params(runId, environment.id())
                .query((rs, n) -> new Locked(rs.getString("id"), rs.getString("friendly_id"), strings(rs.getArray("tags"))))
                .optional().orElseThrow(() -> ApiException.notFound("Run not found"));
        Set<String> union = new LinkedHashSet<>(run.tags);
        int before = union.size();
        union.addAll(tags);
        int added = union.size() - before;
        if (added == 0) {
            return 0;
        }
        if (union.size() > limits.maxTags()) {
            throw ApiException.unprocessable("Runs can have at most " + limits.maxTags() + " tags (this run has "
                    + before + ", " + added + " new)");
        }
        Instant updatedAt = jdbc.sql("UPDATE task_runs SET tags = ? WHERE id = ? RETURNING updated_at")
                .params(union.toArray(String[]::new), run.id)
                .query((rs, n) -> rs.getTimestamp(1)).single().toInstant();
        events.publishEvent(new RunChangedEvent(run.id, run.friendlyId, environment.id(), updatedAt));
        return added;
    }

    private static List<String> strings(Array array) throws java.sql.SQLException {
        return array == null ? List.of() : new ArrayList<>(Arrays.asList((String[]) array.getArray()));
    }

    private record Locked(String id, String friendlyId, List<String> tags) {
    }
}
