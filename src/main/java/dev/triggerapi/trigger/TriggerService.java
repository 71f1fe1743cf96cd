package dev.triggerapi.trigger;

import java.util.ArrayList;
import java.util.List;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.duration.Durations;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.packet.PacketStore;
import dev.triggerapi.queue.QueueRequest;
import dev.triggerapi.queue.QueueResolver;
import dev.triggerapi.queue.ResolvedQueue;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunCreator;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * Triggers tasks: validate the options, resolve the queue (cache → replica → writer, outside any transaction),
 * then create the run and its first snapshot in one writer transaction. Idempotency is the run creator's: a
 * unique index decides between concurrent triggers with one key.
 */
@Service
public class TriggerService {

    private final TriggerOptionsParser parser;
    private final QueueResolver queues;
    private final RunCreator runs;
    private final BatchStore batches;
    private final PacketStore packets;

    TriggerService(TriggerOptionsParser parser, QueueResolver queues, RunCreator runs, BatchStore batches,
                   PacketStore packets) {
        this.parser = parser;
        this.queues = queues;
        this.runs = runs;
        this.batches = batches;
        this.packets = packets;
    }

    /**
     * Triggers one run of {@code taskId}.
     *
     * @param idempotencyKeyHeader    the {@code idempotency-key} header (overrides the body), or null
     * @param idempotencyKeyTtlHeader the {@code idempotency-key-ttl} header (overrides the body), or null
     */
    public CreatedRun trigger(AuthenticatedEnvironment environment, String taskId, TriggerTaskRequest request,
                              String idempotencyKeyHeader, String idempotencyKeyTtlHeader) {
        ParsedTrigger parsed = parser.parse(request.payload(), request.options(), idempotencyKeyHeader,
                idempotencyKeyTtlHeader);
        if (PacketStore.STORE_PAYLOAD_TYPE.equals(parsed.payloadType())
                && (parsed.payload() == null || !packets.exists(environment.id(), parsed.payload()))) {
            throw ApiException.unprocessable("Payload packet not found: upload it with PUT /api/v2/packets/{path} first");
        }
        return runs.create(newRun(environment, taskId, parsed, null, null));
    }

    /**
     * Validates one item of a streamed batch and resolves its queue (outside any transaction), ready to be
     * created with {@link RunCreator#createInCurrentTransaction}.
     */
    NewRun prepareBatchItem(AuthenticatedEnvironment environment, String taskId, JsonNode payload,
                            TriggerOptions options, String batchId, int index) {
        ParsedTrigger parsed = parser.parse(payload, options, null, null);
        return newRun(environment, taskId, parsed, batchId, index);
    }


    /** Triggers every item, all runs in one transaction; any invalid item fails the whole batch. */
    public BatchTriggerResponse batch(AuthenticatedEnvironment environment, BatchTriggerRequest request) {
        String batchId = Ids.newId();
        List<NewRun> newRuns = new ArrayList<>(request.items().size());
        for (int i = 0; i < request.items().size(); i++) {
            BatchTriggerRequest.Item item = request.items().get(i);
            try {
                ParsedTrigger parsed = parser.parse(item.payload(), item.options(), null, null);
                newRuns.add(newRun(environment, item.task(), parsed, batchId, null));
            } catch (ApiException e) {
                throw new ApiException(e.status(), "items[" + i + "]: " + e.getMessage(), e.headers());
            }
        }
        List<CreatedRun> created = batches.create(environment.id(), batchId, newRuns);
        List<BatchTriggerResponse.Run> out = new ArrayList<>(created.size());
        for (int i = 0; i < created.size(); i++) {
            out.add(new BatchTriggerResponse.Run(created.get(i).friendlyId(), newRuns.get(i).taskIdentifier(),
                    created.get(i).cached()));
        }
        return new BatchTriggerResponse(BatchStore.friendlyId(batchId), out);
    }

    private NewRun newRun(AuthenticatedEnvironment environment, String taskId, ParsedTrigger parsed, String batchId,
                          Integer batchIndex) {
        TriggerOptionsParser.checkTaskId(taskId);
        ResolvedQueue queue = queues.resolve(environment,
                new QueueRequest(taskId, parsed.queueName(), parsed.lockToVersion(), parsed.ttl()));
        // A ttl of 0 (or one that no longer parses, e.g. from an old registration) means the run never expires.
        Long ttlSeconds = queue.ttl() == null ? null
                : Durations.parse(queue.ttl()).map(d -> d.getSeconds()).filter(s -> s > 0).orElse(null);
        return new NewRun(environment.id(), taskId, queue.queueName(), queue.lockedQueueId(), queue.lockedToWorkerId(),
                parsed.payload(), parsed.payloadType(), parsed.metadata(), parsed.metadataType(), parsed.tags(),
                queue.ttl(), ttlSeconds, queue.triggerSource(), parsed.idempotencyKey(),
                parsed.idempotencyKeyExpiresAt(), parsed.concurrencyKey(), parsed.priority(), parsed.delayUntil(),
                parsed.maxAttempts(), parsed.maxDurationSeconds(), parsed.machine(), parsed.test(), batchId, batchIndex);
    }
}
