package dev.triggerapi.trigger;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.packet.PacketStore;
import dev.triggerapi.queue.QueueRequest;
import dev.triggerapi.queue.QueueResolver;
import dev.triggerapi.queue.ResolvedQueue;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.ReplayableRun;
import dev.triggerapi.run.RunCreator;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

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
    private final JsonMapper json;

    TriggerService(TriggerOptionsParser parser, QueueResolver queues, RunCreator runs, BatchStore batches,
                   PacketStore packets, JsonMapper json) {
        this.parser = parser;
        this.queues = queues;
        this.runs = runs;
        this.batches = batches;
        this.packets = packets;
        this.json = json;
    }

    /** The members of the SDK's {@code ReplayRunRequestBody} (a strict object: anything else is refused). */
    private static final Set<String> REPLAY_MEMBERS = Set.of("payload", "payloadType", "metadata", "tags", "queue",
            "concurrencyKey", "machine", "version", "region", "delay", "ttl", "idempotencyKey", "idempotencyKeyTTL",
            "maxAttempts", "maxDuration", "priority");

    /**
     * A new run of the original's task with its payload, options, tags and queue, in the same environment; the
     * original's idempotency key is not copied. Members of {@code overrides} (the SDK's replay body, may be
     * null) replace the original's values and are validated as a trigger's options are; a new queue or version
     * is resolved again.
     */
    public CreatedRun replay(AuthenticatedEnvironment environment, ReplayableRun original, JsonNode overrides) {
        ObjectNode body = overrides == null || overrides.isNull() || overrides.isMissingNode()
                ? json.createObjectNode() : requireObject(overrides);
        for (String member : body.propertyNames()) {
            if (!REPLAY_MEMBERS.contains(member)) {
                throw ApiException.badRequest("Unknown replay option '"
                        + (member.length() > 64 ? member.substring(0, 64) + "…" : member) + "'");
            }
        }
        ObjectNode options = body.deepCopy();
        options.remove(List.of("payload", "version", "region", "metadata"));
        if (body.has("version")) {
            options.set("lockToVersion", body.get("version"));
        }
        if (body.has("metadata")) {
            // The replay body's metadata is a JSON object (not a serialized string as in a trigger).
            options.put("metadata", json.writeValueAsString(body.get("metadata")));
        }
        TriggerOptions parsedOptions;
        try {
            parsedOptions = json.treeToValue(options, TriggerOptions.class);
        } catch (JacksonException e) {
            throw ApiException.badRequest("Invalid replay options: a member has the wrong type");
        }
        ParsedTrigger parsed = parser.parse(body.get("payload"), parsedOptions, null, null);
        String taskId = original.taskIdentifier();
        String ttl = body.has("ttl") ? parsed.ttl() : original.ttl();
        // The original's queue, or the one a new queue or version resolves to; the ttl and source stay the replay's.
        ResolvedQueue queue = new ResolvedQueue(original.queue(), original.lockedQueueId(), original.lockedToWorkerId(),
                ttl, original.triggerSource());
        if (body.has("queue") || body.has("version")) {
            ResolvedQueue resolved = queues.resolve(environment,
                    new QueueRequest(taskId, parsed.queueName(), parsed.lockToVersion(), ttl));
            queue = new ResolvedQueue(resolved.queueName(), resolved.lockedQueueId(), resolved.lockedToWorkerId(), ttl,
                    original.triggerSource());
        }
        Long ttlSeconds = body.has("ttl") ? queue.ttlSeconds() : original.ttlSeconds();
        boolean newPayload = body.has("payload");
        if (newPayload && PacketStore.STORE_PAYLOAD_TYPE.equals(parsed.payloadType())
                && (parsed.payload() == null || !packets.exists(environment.id(), parsed.payload()))) {
            throw ApiException.unprocessable("Payload packet not found: upload it with PUT /api/v2/packets/{path} first");
        }
        return runs.create(new NewRun(
                new NewRun.Placement(environment.id(), taskId, queue.queueName(), queue.lockedQueueId(),
                        queue.lockedToWorkerId(),
                        body.has("concurrencyKey") ? parsed.concurrencyKey() : original.concurrencyKey(),
                        body.has("priority") ? parsed.priorityMs() : original.priorityMs(),
                        body.has("machine") ? parsed.machine() : original.machine()),
                new NewRun.Payload(newPayload ? parsed.payload() : original.payload(),
                        newPayload ? parsed.payloadType() : original.payloadType(),
                        body.has("metadata") ? parsed.metadata() : original.metadata(),
                        body.has("metadata") ? parsed.metadataType() : original.metadataType(),
                        body.has("tags") ? parsed.tags() : original.tags()),
                NewRun.Idempotency.of(parsed.idempotencyKey(), parsed.idempotencyKeyExpiresAt()),
                new NewRun.Timing(parsed.delayUntil(), ttl, ttlSeconds,
                        body.has("maxAttempts") ? parsed.maxAttempts() : original.maxAttempts(),
                        body.has("maxDuration") ? parsed.maxDurationSeconds() : original.maxDurationSeconds()),
                new NewRun.Origin(queue.source(), original.test(), null, null)));
    }

    private static ObjectNode requireObject(JsonNode node) {
        if (!node.isObject()) {
            throw ApiException.badRequest("The replay body must be a JSON object");
        }
        return (ObjectNode) node;
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
        NewRun run = newRun(environment, taskId, parsed, null, null);
        return parsed.debounce() == null ? runs.create(run) : runs.createDebounced(run, parsed.debounce());
    }

    /**
     * Validates one item of a streamed batch and resolves its queue (outside any transaction), ready to be
     * created with {@link RunCreator#createInCurrentTransaction}.
     */
    NewRun prepareBatchItem(AuthenticatedEnvironment environment, String taskId, JsonNode payload,
                            TriggerOptions options, String batchId, int index) {
        ParsedTrigger parsed = parser.parse(payload, options, null, null);
        refuseDebounceInBatch(parsed);
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
                refuseDebounceInBatch(parsed);
                newRuns.add(newRun(environment, item.task(), parsed, batchId, null));
            } catch (ApiException e) {
                throw new ApiException(e.status(), "items[" + i + "]: " + e.getMessage(), e.headers());
            }
        }
        List<CreatedRun> created = batches.create(environment.id(), batchId, newRuns);
        List<BatchTriggerResponse.Run> out = new ArrayList<>(created.size());
        for (int i = 0; i < created.size(); i++) {
            out.add(new BatchTriggerResponse.Run(created.get(i).friendlyId(), newRuns.get(i).placement().taskIdentifier(),
                    created.get(i).cached()));
        }
        return new BatchTriggerResponse(BatchStore.friendlyId(batchId), out);
    }

    /**
     * A batch's runs are created together and each belongs to the batch, while a debounced trigger may answer with
     * a run created by an earlier trigger: refused clearly rather than silently creating a run per item.
     */
    private static void refuseDebounceInBatch(ParsedTrigger parsed) {
        if (parsed.debounce() != null) {
            throw ApiException.unprocessable("options.debounce is not supported on batch items: trigger debounced runs one by one");
        }
    }

    private NewRun newRun(AuthenticatedEnvironment environment, String taskId, ParsedTrigger parsed, String batchId,
                          Integer batchIndex) {
        TriggerOptionsParser.checkTaskId(taskId);
        ResolvedQueue queue = queues.resolve(environment,
                new QueueRequest(taskId, parsed.queueName(), parsed.lockToVersion(), parsed.ttl()));
        return parsed.toNewRun(environment.id(), taskId, queue, batchId, batchIndex);
    }
}
