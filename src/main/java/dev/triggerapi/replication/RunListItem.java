package dev.triggerapi.replication;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One run in {@code GET /api/v1/runs}, in the official SDK's {@code ListRunResponseItem} shape: every required
 * field always present, optional ones omitted rather than null (the SDK rejects null), dates ISO-8601 in UTC
 * with milliseconds.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunListItem(
        String id,
        String status,
        String taskIdentifier,
        String idempotencyKey,
        boolean isQueued,
        boolean isExecuting,
        boolean isWaiting,
        boolean isCompleted,
        boolean isSuccess,
        boolean isFailed,
        boolean isCancelled,
        boolean isTest,
        String createdAt,
        String updatedAt,
        String startedAt,
        String finishedAt,
        String delayedUntil,
        String ttl,
        String expiredAt,
        List<String> tags,
        long costInCents,
        long baseCostInCents,
        long durationMs,
        Environment env) {

    /**
     * The run's environment.
     *
     * @param id   environment id
     * @param name environment name (its slug, e.g. {@code dev})
     */
    public record Environment(String id, String name) {
    }
}
