package dev.triggerapi.snapshot;

import java.time.Instant;

/**
 * One execution snapshot: what a runner should be doing with a run after one state change.
 *
 * @param id              snapshot id (runners name it in every action)
 * @param runId           internal run id
 * @param sequence        per-run sequence number, gap-free from 1; the only ordering that counts
 * @param executionStatus what the runner should be doing
 * @param runStatus       the run's status after the change, as stored ({@code task_runs.status})
 * @param description     what happened, for humans
 * @param attemptNumber   the run's attempt number after the change
 * @param createdAt       when the snapshot was written (timestamps can tie; use {@code sequence} to order)
 */
public record ExecutionSnapshot(String id, String runId, int sequence, ExecutionStatus executionStatus,
                                String runStatus, String description, int attemptNumber, Instant createdAt) {
}
