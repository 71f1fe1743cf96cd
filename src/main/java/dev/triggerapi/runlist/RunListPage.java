package dev.triggerapi.runlist;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A page of {@code GET /api/v1/runs}: newest first; {@code pagination} is always present and its cursors are
 * omitted when there is no such page (the SDK rejects {@code null} and keeps paging while {@code next} exists).
 *
 * @param data       the runs
 * @param pagination cursors for the older ({@code next}) and newer ({@code previous}) pages
 */
public record RunListPage(List<RunListItem> data, Pagination pagination) {

    /**
     * @param next     pass as {@code page[after]} for older runs
     * @param previous pass as {@code page[before]} for newer runs
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Pagination(String next, String previous) {
    }
}
