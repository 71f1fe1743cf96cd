package dev.triggerapi.runlist;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A validated runs-list request. Empty lists and nulls mean "no filter".
 *
 * <p>Two filters name things the stores do not carry by name: a worker version and a region (worker group).
 * The parser keeps the names; {@link RunListNames} turns them into the ids the stores filter on
 * ({@link #withResolvedIds}) once per page, so ClickHouse and the replica filter on exactly the same ids.
 *
 * @param environmentId     the authenticated environment (always filtered on)
 * @param statuses          internal statuses (a public status may map to several)
 * @param taskIdentifiers   task identifiers
 * @param sources           trigger sources (STANDARD / SCHEDULED / AGENT)
 * @param tags              runs having any of these tags
 * @param createdFrom       created at or after
 * @param createdBefore     created strictly before
 * @param isTest            test runs only / non-test only
 * @param versions          worker versions the runs are locked to ({@code filter[version]})
 * @param batchIds          batch ids, every form {@code task_runs.batch_id} may hold ({@code filter[batch]})
 * @param scheduleIds       internal schedule ids ({@code filter[schedule]}, prefix removed)
 * @param bulkActions       bulk action ids ({@code filter[bulkAction]}); this service has no bulk actions
 * @param queues            queue names as stored ({@code task/<id>} for a task's own queue)
 * @param machines          machine presets
 * @param regions           worker group names ({@code filter[region]})
 * @param lockedToWorkerIds the workers {@code versions} name, once resolved; null before (or without the filter)
 * @param workerGroupIds    the worker groups {@code regions} name, once resolved; null before (or without the filter)
 * @param pageSize          1..100
 * @param after             page of runs older than this cursor
 * @param before            page of runs newer than this cursor
 */
record RunListQuery(String environmentId, Set<String> statuses, List<String> taskIdentifiers, List<String> sources,
                    List<String> tags, Instant createdFrom, Instant createdBefore, Boolean isTest,
                    List<String> versions, List<String> batchIds, List<String> scheduleIds, List<String> bulkActions,
                    List<String> queues, List<String> machines, List<String> regions,
                    Set<String> lockedToWorkerIds, Set<String> workerGroupIds,
                    int pageSize, RunListCursor after, RunListCursor before) {

    /** This query with the ids its version and region names resolved to. */
    RunListQuery withResolvedIds(Set<String> lockedToWorkerIds, Set<String> workerGroupIds) {
        return new RunListQuery(environmentId, statuses, taskIdentifiers, sources, tags, createdFrom, createdBefore,
                isTest, versions, batchIds, scheduleIds, bulkActions, queues, machines, regions, lockedToWorkerIds,
                workerGroupIds, pageSize, after, before);
    }

    /**
     * True when no run can match, so the stores need not be asked: a bulk action (none exist here), or a version
     * or region name that names nothing.
     */
    boolean matchesNothing() {
        return !bulkActions.isEmpty()
                || (!versions.isEmpty() && lockedToWorkerIds != null && lockedToWorkerIds.isEmpty())
                || (!regions.isEmpty() && workerGroupIds != null && workerGroupIds.isEmpty());
    }
}
