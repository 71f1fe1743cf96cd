package dev.triggerapi.snapshot;

import java.time.Instant;
import java.util.List;

/**
 * The answer to a runner's "what happened since snapshot X": the run's snapshots strictly after the anchor,
 * oldest first by per-run sequence, at most the configured limit.
 *
 * @param snapshots the snapshots after the anchor (may be empty: nothing new)
 * @param hasMore   true when more snapshots exist after the last one returned (poll again from it)
 */
public record SnapshotsSince(List<Item> snapshots, boolean hasMore) {

    /**
     * @param snapshot the snapshot
     * @param run      the run as it was when the snapshot was written
     */
    public record Item(Snapshot snapshot, Run run) {
    }

    /**
     * @param id              snapshot id (the anchor of the next poll)
     * @param executionStatus what the runner should be doing
     * @param description     what happened
     * @param createdAt       when it was written
     */
    public record Snapshot(String id, ExecutionStatus executionStatus, String description, Instant createdAt) {
    }

    /**
     * @param id            internal run id
     * @param friendlyId    public run id ({@code run_...})
     * @param status        the run status recorded with the snapshot
     * @param attemptNumber the attempt number recorded with the snapshot
     */
    public record Run(String id, String friendlyId, String status, int attemptNumber) {
    }
}
