package dev.triggerapi.run;

import dev.triggerapi.snapshot.ExecutionSnapshot;

/**
 * The run and its new latest snapshot after a dequeue or a runner action. The runner names
 * {@code snapshot.id} in its next action.
 *
 * @param run      the run after the change
 * @param snapshot the snapshot that recorded the change
 */
public record RunActionResult(WorkerRun run, ExecutionSnapshot snapshot) {
}
