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
    public void backfillCurrent(String environmentId, String workerId, String slug, TaskMetadata metadata) {
    }

    @Override
    public void backfillByWorker(String workerId, String slug, TaskMetadata metadata) {
    }

    @Override
    public void replaceWorker(String workerId, Map<String, TaskMetadata> tasks) {
    }

    @Override
    public void replaceCurrent(String environmentId, String workerId, long generation, Map<String, TaskMetadata> tasks) {
    }
}
