package dev.triggerapi.trigger;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.api.InvalidUnicodeException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunCreator;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SDK's two-phase batch trigger: {@link #create} records a batch with its expected run count, then
 * {@link #addItems} takes the NDJSON item stream. The SDK re-sends the whole stream until the batch is sealed,
 * so items are deduplicated by index under the batch row's lock, and the batch seals once every index has
 * its run. Queues are resolved before the writer transaction opens, so no connection is held for cache or
 * replica reads.
 */
@Service
class StreamedBatches {

    private final JdbcClient jdbc;
    private final TaskRunBatchRepository batches;
    private final TransactionTemplate writer;
    private final TriggerService triggers;
    private final RunCreator runs;
    private final JsonMapper json;

    StreamedBatches(JdbcClient jdbc, TaskRunBatchRepository batches, TransactionTemplate writer,
                    TriggerService triggers, RunCreator runs, JsonMapper json) {
        this.jdbc = jdbc;
        this.batches = batches;
        this.writer = writer;
        this.triggers = triggers;
        this.runs = runs;
        this.json = json;
    }

    /** Creates the batch, or returns the one holding {@code idempotencyKey}. */
    Created create(AuthenticatedEnvironment env, StreamedBatchRequest request) {
        String key = request.idempotencyKey() == null || request.idempotencyKey().isBlank() ? null : request.idempotencyKey();
        return writer.execute(status -> {
            String id = Ids.newId();
            // SQL is the point: the idempotent insert (ON CONFLICT DO NOTHING) is atomic against a concurrent create.
            Optional<String> inserted = jdbc.sql("""
                            INSERT INTO task_run_batches (id, friendly_id, runtime_environment_id, run_count, sealed, idempotency_key)
                            VALUES (?, ?, ?, ?, false, ?)
                            ON CONFLICT (runtime_environment_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                            RETURNING friendly_id""")
                    .params(id, BatchStore.friendlyId(id), env.id(), request.runCount(), key)
                    .query(String.class).optional();
            if (inserted.isPresent()) {
                return new Created(inserted.get(), request.runCount(), false);
            }
            // An unsealed batch is not "cached": the SDK must still stream its items (deduplicated).
            TaskRunBatch existing = batches.findByEnvironmentIdAndIdempotencyKey(env.id(), key).orElseThrow();
            return new Created(existing.friendlyId(), existing.runCount(), existing.isSealed());
        });
    }

    /**
     * Adds the streamed items; answers what was accepted, deduplicated, and whether the batch is sealed.
     * {@code charge} gets the item count once the body is parsed and before any run is created (the rate limit);
     * it throws to refuse the request.
     */
    ItemsResult addItems(AuthenticatedEnvironment env, String batchFriendlyId, InputStream body, IntConsumer charge)
            throws IOException {
        Batch batch = writer.execute(status -> findBatch(env, batchFriendlyId))
                .orElseThrow(() -> ApiException.notFound("Batch not found"));
        List<StreamedBatchItem> items = readItems(body, batch.runCount);
        charge.accept(items.size());
        List<NewRun> prepared = new ArrayList<>(items.size());
        for (StreamedBatchItem item : items) {
            try {
                prepared.add(triggers.prepareBatchItem(env, item.task(), item.payload(), item.options(), batch.id,
                        item.index()));
            } catch (ApiException e) {
                throw new ApiException(e.status(), "items[" + item.index() + "]: " + e.getMessage(), e.headers());
            }
        }
        return writer.execute(status -> {
            TaskRunBatch locked = batches.findForUpdate(batch.id).orElseThrow();
            // task_runs belongs to the run feature, which writes it with JdbcClient.
            Set<Integer> existing = new HashSet<>(jdbc.sql(
                            "SELECT batch_index FROM task_runs WHERE batch_id = ? AND batch_index IS NOT NULL")
                    .param(batch.id).query(Integer.class).list());
            int accepted = 0;
            int deduplicated = 0;
            for (NewRun run : prepared) {
                if (!existing.add(run.origin().batchIndex())) {
                    deduplicated++;
                    continue;
                }
                runs.createInCurrentTransaction(run);
                accepted++;
            }
            boolean sealed = existing.size() >= batch.runCount;
            if (sealed) {
                locked.seal();
            }
            return new ItemsResult(batchFriendlyId, accepted, deduplicated, sealed);
        });
    }

    private Optional<Batch> findBatch(AuthenticatedEnvironment env, String friendlyId) {
        return batches.findByEnvironmentIdAndFriendlyId(env.id(), friendlyId)
                .map(batch -> new Batch(batch.getId(), batch.runCount()));
    }

    private List<StreamedBatchItem> readItems(InputStream body, int runCount) throws IOException {
        List<StreamedBatchItem> items = new ArrayList<>();
        // Strict decoding: invalid UTF-8 is refused instead of silently becoming U+FFFD in a stored payload. A
        // line is at most the whole body, which RequestSizeFilter bounds.
        BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
        String line;
        int lineNumber = 0;
        while (true) {
            try {
                line = reader.readLine();
            } catch (CharacterCodingException e) {
                throw ApiException.badRequest("Line " + (lineNumber + 1) + ": invalid UTF-8");
            }
            if (line == null) {
                break;
            }
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            StreamedBatchItem item;
            try {
                item = json.readValue(line, StreamedBatchItem.class);
            } catch (JacksonException e) {
                for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
                    if (t instanceof InvalidUnicodeException invalid) {
                        throw ApiException.badRequest("Line " + lineNumber + ": " + invalid.getMessage());
                    }
                }
                throw ApiException.badRequest("Line " + lineNumber + ": invalid JSON item");
            }
            if (item == null || item.index() == null || item.task() == null || item.task().isBlank()) {
                throw ApiException.badRequest("Line " + lineNumber + ": each item needs an index and a task");
            }
            if (item.index() < 0 || item.index() >= runCount) {
                throw ApiException.unprocessable("Line " + lineNumber + ": index " + item.index()
                        + " is outside the batch's " + runCount + " items");
            }
            items.add(item);
        }
        return items;
    }

    private record Batch(String id, int runCount) {
    }

    /**
     * @param id       batch id ({@code batch_...})
     * @param runCount expected number of runs
     * @param isCached true when an idempotency key matched an existing, sealed batch
     */
    record Created(String id, int runCount, boolean isCached) {
    }

    /**
     * @param id                batch id
     * @param itemsAccepted     items that created a run in this call
     * @param itemsDeduplicated items whose index already had a run
     * @param sealed            whether every index of the batch has its run
     */
    record ItemsResult(String id, int itemsAccepted, int itemsDeduplicated, boolean sealed) {
    }
}
