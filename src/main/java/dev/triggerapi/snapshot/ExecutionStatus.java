package dev.triggerapi.snapshot;

/** What a runner should be doing with a run, as recorded by each execution snapshot. */
public enum ExecutionStatus {
    RUN_CREATED,
    QUEUED,
    DELAYED,
    PENDING_EXECUTING,
    EXECUTING,
    EXECUTING_WITH_WAITPOINTS,
    SUSPENDED,
    PENDING_CANCEL,
    FINISHED
}
