package dev.triggerapi.replication;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A validated runs-list request. Empty lists and nulls mean "no filter".
 *
 * @param environmentId   the authenticated environment (always filtered on)
 * @param statuses        internal statuses (a public status may map to several)
 * @param taskIdentifiers task identifiers
 * @param sources         trigger sources (STANDARD / SCHEDULED / AGENT)
 * @param tags            runs having any of these tags
 * @param createdFrom     created at or after
 * @param createdBefore   created strictly before
 * @param isTest          test runs only / non-test only
 * @param pageSize        1..100
 * @param after           page of runs older than this cursor
 * @param before          page of runs newer than this cursor
 */
record RunListQuery(String environmentId, Set<String> statuses, List<String> taskIdentifiers, List<String> sources,
                    List<String> tags, Instant createdFrom, Instant createdBefore, Boolean isTest, int pageSize,
                    RunListCursor after, RunListCursor before) {
}
