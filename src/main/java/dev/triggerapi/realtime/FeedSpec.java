package dev.triggerapi.realtime;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/** What one subscription follows, always inside one environment. */
sealed interface FeedSpec {

    String environmentId();

    /** Whether a run (in this environment) belongs to the feed in its current state. */
    boolean matches(HydratedRun run);

    /** Whether the feed can only ever contain one run (its resume is exact, no overlap needed). */
    default boolean singleRun() {
        return false;
    }

    /**
     * One run.
     *
     * @param environmentId environment id
     * @param runId         internal run id
     */
    record OneRun(String environmentId, String runId) implements FeedSpec {
        @Override
        public boolean matches(HydratedRun run) {
            return run.runId().equals(runId);
        }

        @Override
        public boolean singleRun() {
            return true;
        }
    }

    /**
     * The runs of a batch.
     *
     * @param environmentId environment id
     * @param batchIds      the values of {@code task_runs.batch_id} that mean this batch (friendly and internal form)
     */
    record Batch(String environmentId, Set<String> batchIds) implements FeedSpec {
        @Override
        public boolean matches(HydratedRun run) {
            return run.batchId() != null && batchIds.contains(run.batchId());
        }
    }

    /**
     * Runs having all of some tags, created after a point in time.
     *
     * @param environmentId environment id
     * @param tags          required tags (empty = every run of the environment)
     * @param createdAfter  only runs created at or after this instant
     */
    record Tagged(String environmentId, List<String> tags, Instant createdAfter) implements FeedSpec {
        @Override
        public boolean matches(HydratedRun run) {
            return !run.createdAt().isBefore(createdAfter) && run.tags().containsAll(tags);
        }
    }
}
