package dev.triggerapi.runlist;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.triggerapi.run.PublicRunFlags;

/**
 * One run in {@code GET /api/v1/runs}, in the official SDK's {@code ListRunResponseItem} shape: every required
 * field always present, optional ones omitted rather than null (the SDK rejects null), dates ISO-8601 in UTC
 * with milliseconds. The {@code is*} status booleans are the run package's {@link PublicRunFlags}, unwrapped, so
 * the list and {@code GET /api/v3/runs/{id}} can never disagree on them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunListItem(
        String id,
        String status,
        String taskIdentifier,
        String idempotencyKey,
        @JsonUnwrapped PublicRunFlags flags,
        @JsonProperty("isTest") boolean isTest,
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
