package dev.triggerapi.schedule;

import java.util.List;

/**
 * A page of schedules ({@code ListSchedulesResult}).
 *
 * @param data       the schedules of this page, oldest first
 * @param pagination page numbers (1-based) and the total count
 */
record ScheduleList(List<ScheduleObject> data, Pagination pagination) {

    /**
     * @param currentPage this page's number
     * @param totalPages  how many pages there are
     * @param count       how many schedules there are in all
     */
    public record Pagination(int currentPage, int totalPages, long count) {
    }
}
