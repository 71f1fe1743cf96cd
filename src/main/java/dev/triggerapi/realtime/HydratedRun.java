package dev.triggerapi.realtime;

import java.time.Instant;
import java.util.List;

/**
 * A run as read from the database for the feed: the public {@link RunView} plus what routing needs (internal id,
 * environment, raw batch id), and the view's JSON rendered once so every subscriber receiving this version
 * shares the same bytes.
 *
 * @param runId         internal run id
 * @param environmentId the run's environment
 * @param batchId       {@code task_runs.batch_id} as stored, or null
 * @param view          the public view
 * @param json          {@code view} as UTF-8 JSON (the SSE format)
 * @param columns       the stored columns as they are (the shape-stream format)
 */
record HydratedRun(String runId, String environmentId, String batchId, RunView view, byte[] json, RunColumns columns) {

    Instant updatedAt() {
        return view.updatedAt();
    }

    Instant createdAt() {
        return view.createdAt();
    }

    List<String> tags() {
        return view.tags();
    }
}
