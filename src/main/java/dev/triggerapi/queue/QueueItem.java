package dev.triggerapi.queue;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A queue as the official SDK's {@code QueueItem} schema (version {@code V1}) requires: a queue with its own
 * concurrency limit, its override state, whether it is paused, and how many of its runs are running and queued.
 * The nullable members of {@link Concurrency} are part of the schema and are sent as {@code null}.
 *
 * @param id               public id, {@code queue_...}
 * @param name             the task id for a task's own queue ({@code task/<id>} without the prefix), else the name
 * @param type             {@code task} or {@code custom}
 * @param running          runs dequeued or executing on it
 * @param queued           runs waiting on it
 * @param paused           a paused queue is not dequeued
 * @param concurrencyLimit the limit in force (override, else declared), or null for none
 * @param version          always {@code V1}: the queue carries its own limit
 * @param concurrency      the limit's parts
 */
record QueueItem(String id, String name, String type, long running, long queued, boolean paused,
                        @JsonInclude(JsonInclude.Include.ALWAYS) Integer concurrencyLimit, String version,
                        Concurrency concurrency) {

    /**
     * @param current      the limit in force, or null
     * @param base         the limit the worker declared, or null
     * @param override     the operator's override, or null
     * @param overriddenAt when the override was set, or null
     * @param overriddenBy always null: overrides come through the API, not a dashboard user
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Concurrency(Integer current, Integer base, Integer override, Instant overriddenAt,
                              String overriddenBy) {
    }
}
