package dev.triggerapi.trigger;

import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.run.CreatedRun;
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

    TriggerController(TriggerService triggers) {
        this.triggers = triggers;
    }

    @PostMapping("/api/v1/tasks/{taskId}/trigger")
    ResponseEntity<TriggerResponse> trigger(AuthenticatedEnvironment environment, @PathVariable String taskId,
                                            @RequestBody TriggerTaskRequest request,
                                            @RequestHeader(name = "idempotency-key", required = false) String key,
                                            @RequestHeader(name = "idempotency-key-ttl", required = false) String keyTtl) {
        CreatedRun run = triggers.trigger(environment, taskId, request, key, keyTtl);
        return ResponseEntity.ok().header(JWT_CLAIMS_HEADER, claims(environment))
                .body(new TriggerResponse(run.friendlyId(), run.cached()));
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
