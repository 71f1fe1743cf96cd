package dev.triggerapi.trigger;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.run.RunExecutionResult;
import dev.triggerapi.run.RunResults;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Reads a batch and its runs, or its runs' results, replica first; a batch the replica does not know yet
 * (created a moment ago), or whose replica view may still grow, is re-read on the writer before anyone sees a 404
 * or a short list. The batch and its runs are read in one transaction on one database.
 */
@Service
class BatchRetrieval {

    private static final String COMPLETED = "COMPLETED";

    // SQL is the point: a batch's runs are a task_runs query (task_runs is reached with SQL throughout).
    private final JdbcClient jdbc;
    private final TaskRunBatchRepository batches;
    private final ReplicaFirstReader reader;
    private final RunResults results;

    BatchRetrieval(JdbcClient jdbc, TaskRunBatchRepository batches, ReplicaFirstReader reader, RunResults results) {
        this.jdbc = jdbc;
        this.batches = batches;
        this.reader = reader;
        this.results = results;
    }

    /**
     * The batch with its runs. A replica answer that can still change (a batch not yet sealed, whose items may
     * have streamed in since) is re-read on the writer, so the SDK's {@code batch.retrieve} right after
     * {@code batchTrigger} lists every run; a sealed batch's run list never changes, so the replica's is final.
     */
    Optional<RetrievedBatch> retrieve(String environmentId, String batchFriendlyId) {
        Optional<RetrievedBatch> replica = reader.onReplica(() -> retrieveIn(environmentId, batchFriendlyId));
        if (replica.isPresent() && replica.get().status().equals(COMPLETED)) {
            return replica;
        }
        return reader.onWriter(() -> retrieveIn(environmentId, batchFriendlyId));
    }

    /**
     * The results of the batch's finished runs. The replica's answer is final once it lists every item; a shorter
     * list (runs that finished a moment ago may still be running on the replica) is re-read on the writer.
     */
    Optional<BatchResults> results(String environmentId, String batchFriendlyId) {
        Optional<BatchResults> replica = reader.onReplica(() -> resultsIn(environmentId, batchFriendlyId));
        if (replica.isPresent() && replica.get().complete()) {
            return replica;
        }
        return reader.onWriter(() -> resultsIn(environmentId, batchFriendlyId));
    }

    private Optional<RetrievedBatch> retrieveIn(String environmentId, String batchFriendlyId) {
        return find(environmentId, batchFriendlyId).map(batch -> {
            // task_runs belongs to the run feature, which reads and writes it with JdbcClient.
            List<RunRef> runs = jdbc.sql("""
                            SELECT friendly_id, created_at FROM task_runs WHERE batch_id = ? AND runtime_environment_id = ?
                            ORDER BY batch_index NULLS LAST, created_at, id""")
                    .params(batch.id, environmentId)
                    .query((rs, n) -> new RunRef(rs.getString(1), rs.getTimestamp(2).toInstant())).list();
            Instant updatedAt = runs.stream().map(RunRef::createdAt).max(Instant::compareTo)
                    .filter(last -> last.isAfter(batch.createdAt)).orElse(batch.createdAt);
            String status = batch.sealed ? COMPLETED : runs.isEmpty() ? "PENDING" : "PROCESSING";
            return new RetrievedBatch(batch.friendlyId, status, batch.idempotencyKey, millis(batch.createdAt),
                    millis(updatedAt), batch.runCount, runs.stream().map(RunRef::friendlyId).toList(),
                    new RetrievedBatch.Processing(batch.sealed ? millis(updatedAt) : null, List.of()));
        });
    }

    private Optional<BatchResults> resultsIn(String environmentId, String batchFriendlyId) {
        return find(environmentId, batchFriendlyId).map(batch -> new BatchResults(batch.friendlyId,
                results.finishedInBatch(environmentId, batch.id), batch.runCount));
    }

    private Optional<Batch> find(String environmentId, String friendlyId) {
        return batches.findByEnvironmentIdAndFriendlyId(environmentId, friendlyId).map(batch -> new Batch(batch.getId(),
                batch.friendlyId(), batch.runCount(), batch.isSealed(), batch.idempotencyKey(), batch.createdAt()));
    }

    private static Instant millis(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }

    private record Batch(String id, String friendlyId, int runCount, boolean sealed, String idempotencyKey,
                         Instant createdAt) {
    }

    private record RunRef(String friendlyId, Instant createdAt) {
    }

    /**
     * {@code GET /api/v2/batches/{id}} in the SDK's {@code RetrieveBatchV2Response} shape. The status is about
     * the batch's items, not its runs' outcomes: COMPLETED once every item has its run (sealed), PROCESSING
     * while items are streaming in, PENDING before the first.
     *
     * @param id             public batch id
     * @param status         PENDING, PROCESSING or COMPLETED
     * @param idempotencyKey the batch's idempotency key, if any
     * @param createdAt      when the batch was created
     * @param updatedAt      when its last run was created
     * @param runCount       how many runs it has when complete
     * @param runs           its runs' public ids in item order
     * @param processing     when item processing completed, and item errors (none: an invalid item fails the request)
     */
    record RetrievedBatch(String id, String status, String idempotencyKey, Instant createdAt, Instant updatedAt,
                          int runCount, List<String> runs, Processing processing) {

        /**
         * @param completedAt when the last item's run was created, once sealed
         * @param errors      always empty
         */
        record Processing(Instant completedAt, List<Object> errors) {
        }
    }

    /**
     * {@code GET /api/v1/batches/{id}/results} in the SDK's {@code BatchTaskRunExecutionResult} shape.
     *
     * @param id    public batch id
     * @param items    the results of its finished runs, in item order
     * @param runCount how many runs the batch has (not sent)
     */
    record BatchResults(String id, List<RunExecutionResult> items, @JsonIgnore int runCount) {

        boolean complete() {
            return items.size() >= runCount;
        }
    }
}
