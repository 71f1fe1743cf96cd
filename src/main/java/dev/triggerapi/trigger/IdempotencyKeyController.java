package dev.triggerapi.trigger;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.run.IdempotencyKeyRelease;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code idempotencyKeys.reset}: {@code POST /api/v1/idempotencyKeys/{key}/reset} with {@code {taskIdentifier}}
 * releases the key (the SDK sends it hashed, as it triggers with it), so the next trigger with it creates a new
 * run. Answers {@code {id: key}}; 404 when no run of the environment's task holds the key.
 */
@RestController
class IdempotencyKeyController {

    private final IdempotencyKeyRelease release;

    IdempotencyKeyController(IdempotencyKeyRelease release) {
        this.release = release;
    }

    @PostMapping("/api/v1/idempotencyKeys/{key}/reset")
    ResetKey reset(AuthenticatedEnvironment environment, @PathVariable String key,
                   @RequestBody(required = false) JsonNode body) {
        if (key.isEmpty() || key.length() > TriggerOptionsParser.MAX_IDEMPOTENCY_KEY_LENGTH) {
            throw ApiException.badRequest("Idempotency key must be 1 to "
                    + TriggerOptionsParser.MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
        }
        JsonNode task = body == null ? null : body.get("taskIdentifier");
        if (task == null || !task.isString()) {
            throw ApiException.badRequest("taskIdentifier: expected a string");
        }
        TriggerOptionsParser.checkTaskId(task.stringValue());
        if (release.release(environment.id(), task.stringValue(), key) == 0) {
            throw ApiException.notFound("No run of task '" + task.stringValue() + "' holds this idempotency key");
        }
        return new ResetKey(key);
    }

    /** @param id the released key */
    record ResetKey(String id) {
    }
}
