package dev.triggerapi.snapshot;

/**
 * A runner's snapshots-since poll.
 *
 * @param runFriendlyId    the run ({@code run_...})
 * @param snapshotId       the anchor: the newest snapshot the runner knows
 * @param environmentScope the environment the runner narrowed its request to, or {@code null}
 */
public record SnapshotsSinceRequest(String runFriendlyId, String snapshotId, String environmentScope) {
}
