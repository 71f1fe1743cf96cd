package dev.triggerapi.trigger;

import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.run.CreatedRun;
import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * trigger.dev-compatible trigger endpoints. Task ids arrive URL-encoded (the SDK applies
 * {@code encodeURIComponent}), so an id containing {@code /} arrives as {@code %2F} and is decoded here.
 */
@RestController
class TriggerController {

    /** The SDK signs its public access token with these claims when the header is present (must be JSON). */
    static final String JWT_CLAIMS_HEADER = "x-trigger-jwt-claims";

    private final TriggerService triggers;
    private final StreamedBatches streamedBatches;
    private final RequestIdempotency requestIdempotency;

    TriggerController(TriggerService triggers, StreamedBatches streamedBatches, RequestIdempotency requestIdempotency) {
        this.triggers = triggers;
        this.streamedBatches = streamedBatches;
        this.requestIdempotency = requestIdempotency;
    }

    @PostMapping("/api/v1/tasks/{taskId}/trigger")
    ResponseEntity<TriggerResponse> trigger(AuthenticatedEnvironment environment, @PathVariable String taskId,
                                            @RequestBody TriggerTaskRequest request,
                                            @RequestHeader(name = "idempotency-key", required = false) String key,
                                            @RequestHeader(name = "idempotency-key-ttl", required = false) String keyTtl,
                                            @RequestHeader(name = RequestIdempotency.HEADER, required = false) String requestKey) {
        var previous = requestIdempotency.previousRun(environment.id(), taskId, requestKey);
        if (previous.isPresent()) {
            return ResponseEntity.ok().header(JWT_CLAIMS_HEADER, claims(environment))
                    .body(new TriggerResponse(previous.get(), true));
        }
        CreatedRun run = triggers.trigger(environment, taskId, request, key, keyTtl);
        requestIdempotency.remember(environment.id(), taskId, requestKey, run.friendlyId());
        return ResponseEntity.ok().header(JWT_CLAIMS_HEADER, claims(environment))
                .body(new TriggerResponse(run.friendlyId(), run.cached()));
    }

    /** Phase one of the SDK's batch trigger: the batch and its expected run count. */
    @PostMapping("/api/v3/batches")
    ResponseEntity<StreamedBatches.Created> createBatch(AuthenticatedEnvironment environment,
                                                        @Valid @RequestBody StreamedBatchRequest request) {
        return ResponseEntity.accepted().header(JWT_CLAIMS_HEADER, claims(environment))
                .body(streamedBatches.create(environment, request));
    }

    /** Phase two: NDJSON items, one {@code {index, task, payload, options}} per line; safe to re-send. */
    @PostMapping("/api/v3/batches/{batchId}/items")
    StreamedBatches.ItemsResult addBatchItems(AuthenticatedEnvironment environment, @PathVariable String batchId,
                                              HttpServletRequest request) throws IOException {
        return streamedBatches.addItems(environment, batchId, request.getInputStream());
    }

    @PostMapping("/api/v1/tasks/batch")
    ResponseEntity<BatchTriggerResponse> batch(AuthenticatedEnvironment environment,
                                               @Valid @RequestBody BatchTriggerRequest request) {
        return ResponseEntity.ok().header(JWT_CLAIMS_HEADER, claims(environment))
                .body(triggers.batch(environment, request));
    }

    private static String claims(AuthenticatedEnvironment environment) {
        // Environment ids are generated base-36 text, so no JSON escaping is needed.
        return "{\"sub\":\"" + environment.id() + "\",\"pub\":true}";
    }
}
