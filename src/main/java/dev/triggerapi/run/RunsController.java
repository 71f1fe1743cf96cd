package dev.triggerapi.run;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The public run API (environment secret key): retrieve and cancel. A run of another environment is a 404,
 * like an unknown one, so existence does not leak across environments.
 */
@RestController
class RunsController {

    private final RunRetrieval retrieval;
    private final RunEngine engine;

    RunsController(RunRetrieval retrieval, RunEngine engine) {
        this.retrieval = retrieval;
        this.engine = engine;
    }

    @GetMapping("/api/v3/runs/{runId}")
    RetrievedRun retrieve(AuthenticatedEnvironment environment, @PathVariable String runId) {
        return retrieval.retrieve(environment.id(), runId).orElseThrow(() -> notFound(runId));
    }

    /** The SDK sends no body (but {@code Content-Type: application/json}); none is read. */
    @PostMapping("/api/v2/runs/{runId}/cancel")
    CanceledRun cancel(AuthenticatedEnvironment environment, @PathVariable String runId) {
        if (!engine.cancel(environment.id(), runId)) {
            throw notFound(runId);
        }
        return new CanceledRun(runId);
    }

    private static ApiException notFound(String runId) {
        return ApiException.notFound("Run not found: " + runId);
    }

    /** @param id the cancelled run's public id */
    record CanceledRun(String id) {
    }
}
