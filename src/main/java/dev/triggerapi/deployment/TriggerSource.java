package dev.triggerapi.deployment;

/** How a task is meant to be started; stored with the task and copied onto its runs. */
public enum TriggerSource {
    STANDARD, SCHEDULED, AGENT
}
