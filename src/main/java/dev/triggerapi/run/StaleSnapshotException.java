package dev.triggerapi.run;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.snapshot.ExecutionSnapshot;

/**
 * A runner acted on a snapshot that is not the run's latest (another runner or the engine moved the run),
 * or on the latest snapshot in a state that does not allow the action. A 409 that carries the current
 * snapshot so the runner can resynchronise; retrying the same request cannot succeed.
 */
public class StaleSnapshotException extends ApiException {

    private final transient ExecutionSnapshot current;

    public StaleSnapshotException(String message, ExecutionSnapshot current) {
        super(conflict(message).status(), message, conflict(message).headers());
        this.current = current;
    }

    /** The run's latest snapshot when the action was refused. */
    public ExecutionSnapshot current() {
        return current;
    }
}
