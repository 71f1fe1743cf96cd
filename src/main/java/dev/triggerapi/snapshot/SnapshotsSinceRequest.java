package dev.triggerapi.snapshot;

/**
 * A runner's snapshots-since poll.
 *
 * @param runFriendlyId    the run ({@code run_...})
 * @param snapshotId       the anchor: the newest snapshot the runner knows
 * @param environmentScope the environment the runner narrowed its request to, or {@code null}
 * @param workerGroupId    the polling runner's worker group: a run another group has claimed is not found; {@code null}
 *                         only for in-process callers that are not runners
 */
public record SnapshotsSinceRequest(String runFriendlyId, String snapshotId, String environmentScope,
                                    String workerGroupId) {

    /** An in-process poll not made on behalf of a worker group. */
    public SnapshotsSinceRequest(String runFriendlyId, String snapshotId, String environmentScope) {
        this(runFriendlyId, snapshotId, environmentScope, null);
    }
}
