package dev.triggerapi.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The eight status booleans the public API and the official SDK require on every run (note the SDK's
 * spelling {@code isCancelled}); {@code isTest} comes from the run itself, the other seven from its status.
 *
 * @param isQueued    waiting to run (queued, delayed, waiting for a version)
 * @param isExecuting picked up by a runner (dequeued or executing)
 * @param isWaiting   executing but waiting on something
 * @param isCompleted finished, whatever the outcome
 * @param isSuccess   finished successfully
 * @param isFailed    finished unsuccessfully (failed, crashed, system failure, expired, timed out)
 * @param isCancelled cancelled
 */
public record PublicRunFlags(@JsonProperty("isQueued") boolean isQueued,
                             @JsonProperty("isExecuting") boolean isExecuting,
                             @JsonProperty("isWaiting") boolean isWaiting,
                             @JsonProperty("isCompleted") boolean isCompleted,
                             @JsonProperty("isSuccess") boolean isSuccess,
                             @JsonProperty("isFailed") boolean isFailed,
                             @JsonProperty("isCancelled") boolean isCancelled) {

    /** The flags of a run in {@code status}. */
    public static PublicRunFlags of(RunStatus status) {
        return switch (status) {
            case PENDING_VERSION, DELAYED, QUEUED, RETRYING_AFTER_FAILURE -> new PublicRunFlags(true, false, false, false, false, false, false);
            case DEQUEUED, EXECUTING -> new PublicRunFlags(false, true, false, false, false, false, false);
            case WAITING -> new PublicRunFlags(false, false, true, false, false, false, false);
            case COMPLETED_SUCCESSFULLY -> new PublicRunFlags(false, false, false, true, true, false, false);
            case CANCELED -> new PublicRunFlags(false, false, false, true, false, false, true);
            case COMPLETED_WITH_ERRORS, EXPIRED, SYSTEM_FAILURE, CRASHED, TIMED_OUT ->
                    new PublicRunFlags(false, false, false, true, false, true, false);
        };
    }
}
