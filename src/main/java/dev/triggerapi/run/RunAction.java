package dev.triggerapi.run;

/**
 * A runner acting on a run: which run, which snapshot it believes is current, and who asks.
 *
 * @param workerGroupId    the runner's worker group
 * @param environmentScope the environment the runner narrowed its request to, or {@code null}
 * @param runFriendlyId    the run ({@code run_...})
 * @param snapshotId       the snapshot the runner acts on; must be the run's latest
 */
public record RunAction(String workerGroupId, String environmentScope, String runFriendlyId, String snapshotId) {
}
