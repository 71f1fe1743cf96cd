package dev.triggerapi.runner;

import java.util.List;

import dev.triggerapi.environment.Authenticated;
import dev.triggerapi.environment.WorkerTokenAuthenticator.AuthenticatedWorkerGroup;
import dev.triggerapi.run.AttemptCompletion;
import dev.triggerapi.run.HeartbeatResult;
import dev.triggerapi.run.RunAction;
import dev.triggerapi.run.RunActionResult;
import dev.triggerapi.run.RunEngine;
import dev.triggerapi.run.RunError;
import dev.triggerapi.run.StaleSnapshotException;
import dev.triggerapi.snapshot.ExecutionSnapshot;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runner endpoints of the lifecycle (worker-group token; {@code x-trigger-worker-environment-id} narrows the
 * scope to one environment). Each action names the snapshot it acts on; a stale one is a 409 carrying the
 * run's current snapshot.
 */
@RestController
@RequestMapping("/engine/v1/worker-actions")
class WorkerActionsController {

    private static final String RUN_PATH = "/runs/{runFriendlyId}/snapshots/{snapshotId}";

    private final RunEngine engine;
    private final JsonMapper json;

    WorkerActionsController(RunEngine engine, JsonMapper json) {
        this.engine = engine;
        this.json = json;
    }

    @PostMapping("/dequeue")
    List<RunActionResult> dequeue(AuthenticatedWorkerGroup workerGroup,
                                  @RequestBody(required = false) DequeueRequest body, HttpServletRequest request) {
        int maxRuns = body == null || body.maxRuns() == null ? 1 : body.maxRuns();
        return engine.dequeue(workerGroup.id(), Authenticated.workerEnvironmentScope(request), maxRuns);
    }

    @PostMapping(RUN_PATH + "/attempts/start")
    RunActionResult start(AuthenticatedWorkerGroup workerGroup, @PathVariable String runFriendlyId,
                          @PathVariable String snapshotId, HttpServletRequest request) {
        return engine.startAttempt(action(workerGroup, runFriendlyId, snapshotId, request));
    }

    @PostMapping(RUN_PATH + "/attempts/complete")
    RunActionResult complete(AuthenticatedWorkerGroup workerGroup, @PathVariable String runFriendlyId,
                             @PathVariable String snapshotId, @Valid @RequestBody CompleteAttemptRequest body,
                             HttpServletRequest request) {
        return engine.completeAttempt(action(workerGroup, runFriendlyId, snapshotId, request), body.completion().toCompletion(json));
    }

    @PostMapping(RUN_PATH + "/heartbeat")
    HeartbeatResult heartbeat(AuthenticatedWorkerGroup workerGroup, @PathVariable String runFriendlyId,
                              @PathVariable String snapshotId, HttpServletRequest request) {
        return engine.heartbeat(action(workerGroup, runFriendlyId, snapshotId, request));
    }

    @ExceptionHandler(StaleSnapshotException.class)
    ResponseEntity<StaleSnapshotError> stale(StaleSnapshotException e) {
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.status());
        e.headers().forEach(response::header);
        return response.body(new StaleSnapshotError(e.getMessage(), e.current()));
    }

    private static RunAction action(AuthenticatedWorkerGroup workerGroup, String runFriendlyId, String snapshotId,
                                    HttpServletRequest request) {
        return new RunAction(workerGroup.id(), Authenticated.workerEnvironmentScope(request), runFriendlyId, snapshotId);
    }

    /** @param maxRuns most runs to claim (default 1) */
    record DequeueRequest(Integer maxRuns) {
    }

    /** @param completion how the attempt ended */
    record CompleteAttemptRequest(@NotNull(message = "is required") @Valid Completion completion) {
    }

    /**
     * The runner's report, in trigger.dev's shape.
     *
     * @param ok           true for success
     * @param output       any JSON; a string is stored as is (already serialized), anything else as JSON text
     * @param outputType   the output's content type (default {@code application/json})
     * @param error        {@code {message, name?, stackTrace?}} or a plain string
     * @param skipRetrying true to fail the run without retrying
     */
    record Completion(@NotNull(message = "is required") Boolean ok, JsonNode output, String outputType,
                      JsonNode error, Boolean skipRetrying) {

        AttemptCompletion toCompletion(JsonMapper json) {
            if (ok) {
                String serialized = output == null || output.isNull() ? null
                        : output.isString() ? output.stringValue() : json.writeValueAsString(output);
                return AttemptCompletion.success(serialized, outputType);
            }
            return new AttemptCompletion(false, null, null, runError(), Boolean.TRUE.equals(skipRetrying));
        }

        private RunError runError() {
            if (error == null || error.isNull()) {
                return new RunError("Unknown error", null, null);
            }
            if (!error.isObject()) {
                return new RunError(error.isString() ? error.stringValue() : error.toString(), null, null);
            }
            String message = text(error, "message");
            if (message == null) {
                message = text(error, "raw"); // trigger.dev's STRING_ERROR
            }
            return new RunError(message == null ? "Unknown error" : message, text(error, "name"), text(error, "stackTrace"));
        }

        private static String text(JsonNode node, String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : value.isString() ? value.stringValue() : value.toString();
        }
    }

    /**
     * A 409 body: the usual {@code error} plus the run's current snapshot to resynchronise from.
     *
     * @param error    why the action was refused
     * @param snapshot the run's latest snapshot
     */
    record StaleSnapshotError(String error, ExecutionSnapshot snapshot) {
    }
}
