package dev.triggerapi.trigger;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code batch.retrieve} ({@code GET /api/v2/batches/{id}}) and the batch's results
 * ({@code GET /api/v1/batches/{id}/results}), environment secret key. Another environment's batch is the same
 * 404 as an unknown one.
 */
@RestController
class BatchesController {

    private final BatchRetrieval batches;

    BatchesController(BatchRetrieval batches) {
        this.batches = batches;
    }

    @GetMapping("/api/v2/batches/{batchId}")
    BatchRetrieval.RetrievedBatch retrieve(AuthenticatedEnvironment environment, @PathVariable String batchId) {
        return batches.retrieve(environment.id(), batchId).orElseThrow(() -> notFound(batchId));
    }

    @GetMapping("/api/v1/batches/{batchId}/results")
    BatchRetrieval.BatchResults results(AuthenticatedEnvironment environment, @PathVariable String batchId) {
        return batches.results(environment.id(), batchId).orElseThrow(() -> notFound(batchId));
    }

    private static ApiException notFound(String batchId) {
        return ApiException.notFound("Batch not found: " + batchId);
    }
}
