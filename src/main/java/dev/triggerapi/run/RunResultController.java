package dev.triggerapi.run;

import java.util.Map;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/runs/{runId}/result} and {@code GET /api/v1/runs/{runId}/metadata} (environment secret key).
 * Another environment's run is the same 404 as an unknown one. The SDK reads a 404 from the result endpoint as
 * "no result yet", which is also the answer for a run that has not finished.
 */
@RestController
class RunResultController {

    private final RunResults results;
    private final RunMetadataReader metadata;

    RunResultController(RunResults results, RunMetadataReader metadata) {
        this.results = results;
        this.metadata = metadata;
    }

    @GetMapping("/api/v1/runs/{runId}/result")
    RunExecutionResult result(AuthenticatedEnvironment environment, @PathVariable String runId) {
        return results.result(environment.id(), runId)
                .orElseThrow(() -> ApiException.notFound("Run either doesn't exist or is not finished: " + runId));
    }

    @GetMapping("/api/v1/runs/{runId}/metadata")
    Map<String, Object> metadata(AuthenticatedEnvironment environment, @PathVariable String runId) {
        return Map.of("metadata", metadata.metadata(environment.id(), runId)
                .orElseThrow(() -> ApiException.notFound("Run not found: " + runId)));
    }
}
