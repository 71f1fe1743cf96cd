package dev.triggerapi.realtime;

import java.time.Instant;
import java.util.List;

import tools.jackson.databind.JsonNode;

/**
 * What a subscriber receives for a run: its full current state, so every event stands alone and a later one
 * replaces an earlier one. Absent optional fields are omitted (never {@code null}).
 *
 * @param id             public run id ({@code run_...})
 * @param status         public status (one of the SDK's 13 values)
 * @param taskIdentifier task slug
 * @param metadata       run metadata as JSON, when set (an object; rendered by {@link dev.triggerapi.run.StoredJson})
 * @param tags           tags (possibly empty)
 * @param output         output as JSON (or a string when not JSON), once finished and stored inline
 * @param outputType     the output's content type, when there is output
 * @param error          the error, once failed
 * @param attemptCount   attempts started so far
 * @param isTest         whether it is a test run
 * @param batchId        the batch the run belongs to, when any
 * @param createdAt      creation time
 * @param updatedAt      the version of this state (the row's {@code updated_at}); it also orders events
 * @param startedAt      when the first attempt started, when it did
 * @param finishedAt     when the run finished, when it did
 */
record RunView(
        String id,
        String status,
        String taskIdentifier,
        JsonNode metadata,
        List<String> tags,
        JsonNode output,
        String outputType,
        JsonNode error,
        int attemptCount,
        boolean isTest,
        String batchId,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt) {
}
