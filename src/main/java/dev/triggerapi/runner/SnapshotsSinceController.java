package dev.triggerapi.runner;

import java.util.concurrent.CompletableFuture;

import dev.triggerapi.environment.Authenticated;
import dev.triggerapi.environment.WorkerTokenAuthenticator.AuthenticatedWorkerGroup;
import dev.triggerapi.snapshot.SnapshotsSince;
import dev.triggerapi.snapshot.SnapshotsSinceReader;
import dev.triggerapi.snapshot.SnapshotsSinceRequest;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The runner's poll: {@code GET /engine/v1/worker-actions/runs/{runFriendlyId}/snapshots/since/{snapshotId}}.
 * The response is asynchronous, so a poll waiting out a replica retry delay holds no request thread.
 */
@RestController
class SnapshotsSinceController {

    private final SnapshotsSinceReader reader;

    SnapshotsSinceController(SnapshotsSinceReader reader) {
        this.reader = reader;
    }

    @GetMapping("/engine/v1/worker-actions/runs/{runFriendlyId}/snapshots/since/{snapshotId}")
    CompletableFuture<SnapshotsSince> since(AuthenticatedWorkerGroup workerGroup, @PathVariable String runFriendlyId,
                                            @PathVariable String snapshotId, HttpServletRequest request) {
        return reader.read(new SnapshotsSinceRequest(runFriendlyId, snapshotId,
                Authenticated.workerEnvironmentScope(request), workerGroup.id()));
    }
}
