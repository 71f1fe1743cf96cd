package dev.triggerapi.taskmeta;

import java.util.Map;
import java.util.Optional;

/** The cache when it is disabled: every read misses, every write is dropped, so every trigger reads Postgres. */
final class NoOpTaskMetadataCache implements TaskMetadataCache {

    @Override
    public Optional<TaskMetadata> getCurrent(String environmentId, String slug) {
        return Optional.empty();
    }

    @Override
    public Optional<TaskMetadata> getByWorker(String workerId, String slug) {
        return Optional.empty();
    }

    @Override
    public Optional<String> getVersionWorker(String environmentId, String version) {
        return Optional.empty();
    }

    @Override
    public Optional<Map<String, String>> getWorkerQueues(String workerId) {
        return Optional.empty();
    }

    @Override
    public CurrentBackfill backfillCurrent(String environmentId, String workerId, String slug, TaskMetadata metadata) {
        return CurrentBackfill.SKIPPED;
    }

    @Override
    public void dropUnconfirmedCurrent(String environmentId, String workerId) {
    }

    @Override
    public void backfillByWorker(String workerId, String slug, TaskMetadata metadata) {
    }

    @Override
    public void backfillVersionWorker(String environmentId, String version, String workerId) {
    }

    @Override
    public void backfillWorkerQueues(String workerId, Map<String, String> queueIds) {
    }

    @Override
    public void replaceWorker(WorkerVersion worker) {
    }

    @Override
    public void replaceCurrent(WorkerVersion worker, long generation) {
    }
}
