package dev.triggerapi.runlist;

import java.util.List;

/**
 * One run as a runs-list store returns it (times in microseconds since the epoch, nullable ones null).
 *
 * @param runId             internal id
 * @param friendlyId        public id
 * @param taskIdentifier    task
 * @param status            internal status
 * @param tags              tags
 * @param test              test run
 * @param idempotencyKey    idempotency key or null
 * @param ttl               ttl as given or null
 * @param createdAtMicros   created
 * @param updatedAtMicros   last change
 * @param startedAtMicros   started or null
 * @param completedAtMicros finished or null
 * @param delayUntilMicros  delayed until or null
 * @param expiredAtMicros   expired or null
 */
record RunListRow(String runId, String friendlyId, String taskIdentifier, String status, List<String> tags, boolean test,
                  String idempotencyKey, String ttl, long createdAtMicros, long updatedAtMicros, Long startedAtMicros,
                  Long completedAtMicros, Long delayUntilMicros, Long expiredAtMicros) {

    RunListCursor cursor() {
        return new RunListCursor(createdAtMicros, runId);
    }
}
