package dev.triggerapi.trigger;

import java.io.IOException;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.api.DirectJsonBody;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.ratelimit.TriggerRateLimiter;
import dev.triggerapi.realtime.PublicAccessTokens;
import dev.triggerapi.run.CreatedRun;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import org.springframework.http.ResponseEntity;
import org.springframework.web.HttpMediaTypeException;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * trigger.dev-compatible trigger endpoints. Task ids arrive URL-encoded (the SDK applies
 * {@code encodeURIComponent}), so an id containing {@code /} arrives as {@code %2F} and is decoded here.
 *
 * <p>Every endpoint is charged to the environment's trigger rate limit before it creates anything: one token per
 * run it would create (a trigger 1, a batch its item count, a streamed-items request its line count) and one for
 * creating a streamed batch, which creates no run but is still a request.
 */
@RestController
class TriggerController {

    /** The SDK signs its public access token with these claims when the header is present (must be JSON). */
    static final String JWT_CLAIMS_HEADER = "x-trigger-jwt-claims";
    static final String JWT_HEADER = "x-trigger-jwt";

    private final TriggerService triggers;
    private final StreamedBatches streamedBatches;
    private final RequestIdempotency requestIdempotency;
    private final PublicAccessTokens tokens;
    private final TriggerRateLimiter rateLimiter;
    private final Validator validator;
    private final DirectJsonBody json;

    TriggerController(TriggerService triggers, StreamedBatches streamedBatches, RequestIdempotency requestIdempotency,
                      PublicAccessTokens tokens, TriggerRateLimiter rateLimiter, Validator validator,
                      DirectJsonBody json) {
        this.validator = validator;
        this.json = json;
        this.triggers = triggers;
        this.streamedBatches = streamedBatches;
        this.requestIdempotency = requestIdempotency;
        this.tokens = tokens;
        this.rateLimiter = rateLimiter;
    }

    /**
     * The hot path: the body is read and the answer written with {@link DirectJsonBody} rather than
     * {@code @RequestBody}, {@code @RequestHeader} and a {@code ResponseEntity}, same contract, less per-request
     * work (BENCHMARKS.md, issue 22). The task id comes from the path variables as a map: a single
     * {@code @PathVariable String} goes through a data binder's type conversion, 2 % of the request's CPU for a
     * String that needs none. The annotations below keep the OpenAPI description what it was.
     */
    @PostMapping("/api/v1/tasks/{taskId}/trigger")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = TriggerTaskRequest.class)))
    @Parameter(in = ParameterIn.PATH, name = "taskId", required = true, description = "the task id, URL-encoded")
    @Parameter(in = ParameterIn.HEADER, name = "idempotency-key", description = "overrides options.idempotencyKey")
    @Parameter(in = ParameterIn.HEADER, name = "idempotency-key-ttl", description = "overrides options.idempotencyKeyTTL")
    @Parameter(in = ParameterIn.HEADER, name = RequestIdempotency.HEADER,
            description = "a retried request with the same value answers with the run the first one created")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = TriggerResponse.class)))
    void trigger(AuthenticatedEnvironment environment, @Parameter(hidden = true) @PathVariable Map<String, String> path,
                 HttpServletRequest http, HttpServletResponse response) throws IOException, HttpMediaTypeException {
        String taskId = path.get("taskId");
        json.requireJsonAccepted(http);
        TriggerTaskRequest request = json.read(http, TriggerTaskRequest.class);
        String requestKey = header(http, RequestIdempotency.HEADER);
        rateLimiter.charge(environment, 1, response);
        var previous = requestIdempotency.previousRun(environment.id(), taskId, requestKey);
        if (previous.isPresent()) {
            answer(response, environment, tokens.forRun(environment, previous.get()),
                    new TriggerResponse(previous.get(), true));
            return;
        }
        CreatedRun run = triggers.trigger(environment, taskId, request, header(http, "idempotency-key"),
                header(http, "idempotency-key-ttl"));
        requestIdempotency.remember(environment.id(), taskId, requestKey, run.friendlyId());
        answer(response, environment, tokens.forRun(environment, run.friendlyId()),
                new TriggerResponse(run.friendlyId(), run.cached()));
    }

    private void answer(HttpServletResponse response, AuthenticatedEnvironment environment, String token,
                        TriggerResponse body) throws IOException {
        response.setHeader(JWT_HEADER, token);
        response.setHeader(JWT_CLAIMS_HEADER, tokens.claimsHeader(environment));
        json.write(response, body);
    }

    /** A header as {@code @RequestHeader String} reads it: null when absent, repeated values joined by commas. */
    private static String header(HttpServletRequest request, String name) {
        String first = request.getHeader(name);
        if (first == null) {
            return null;
        }
        Enumeration<String> values = request.getHeaders(name);
        values.nextElement();
        if (!values.hasMoreElements()) {
            return first;
        }
        StringBuilder joined = new StringBuilder(first);
        while (values.hasMoreElements()) {
            joined.append(',').append(values.nextElement());
        }
        return joined.toString();
    }

    /** Phase one of the SDK's batch trigger: the batch and its expected run count. */
    @PostMapping("/api/v3/batches")
    ResponseEntity<StreamedBatches.Created> createBatch(AuthenticatedEnvironment environment,
                                                        @Valid @RequestBody StreamedBatchRequest request,
                                                        HttpServletResponse response) {
        rateLimiter.charge(environment, 1, response);
        StreamedBatches.Created batch = streamedBatches.create(environment, request);
        return withTokens(ResponseEntity.accepted(), environment, tokens.forBatch(environment, batch.id())).body(batch);
    }

    /** Phase two: NDJSON items, one {@code {index, task, payload, options}} per line; safe to re-send. */
    @PostMapping("/api/v3/batches/{batchId}/items")
    StreamedBatches.ItemsResult addBatchItems(AuthenticatedEnvironment environment, @PathVariable String batchId,
                                              HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        return streamedBatches.addItems(environment, batchId, request.getInputStream(),
                items -> rateLimiter.charge(environment, items, response));
    }

    /**
     * Validated here rather than with {@code @Valid}: bean validation would cascade into every item before the
     * list's size is looked at, so a body of 100,000 tiny items cost seconds of CPU to refuse.
     */
    @PostMapping("/api/v1/tasks/batch")
    ResponseEntity<BatchTriggerResponse> batch(AuthenticatedEnvironment environment,
                                               @RequestBody BatchTriggerRequest request,
                                               HttpServletResponse response) {
        if (request.items() == null) {
            throw ApiException.badRequest("items: must not be null");
        }
        if (request.items().isEmpty() || request.items().size() > BatchTriggerRequest.MAX_ITEMS) {
            throw ApiException.badRequest("items: size must be between 1 and " + BatchTriggerRequest.MAX_ITEMS);
        }
        Set<ConstraintViolation<BatchTriggerRequest>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw new ConstraintViolationException(violations);
        }
        rateLimiter.charge(environment, request.items().size(), response);
        BatchTriggerResponse batch = triggers.batch(environment, request);
        return withTokens(ResponseEntity.ok(), environment, tokens.forBatch(environment, batch.id())).body(batch);
    }

    /**
     * A server-issued public token ({@code x-trigger-jwt}) so a browser can subscribe to what was triggered
     * without the secret key, and the claims the SDK would sign with ({@code x-trigger-jwt-claims}, valid JSON).
     */
    private ResponseEntity.BodyBuilder withTokens(ResponseEntity.BodyBuilder response, AuthenticatedEnvironment environment,
                                                  String token) {
        return response.header(JWT_HEADER, token).header(JWT_CLAIMS_HEADER, tokens.claimsHeader(environment));
    }
}
