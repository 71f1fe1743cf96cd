package dev.triggerapi.trigger;

import java.time.Clock;
import java.time.Instant;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.ratelimit.TriggerRateLimiter;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.ReplayableRuns;
import dev.triggerapi.run.RetrievedRun;
import dev.triggerapi.run.RunRescheduler;
import dev.triggerapi.run.RunRetrieval;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code runs.replay} and {@code runs.reschedule} (environment secret key). Both live with the trigger because
 * they decide when and how a run is triggered: a replay is a new trigger of the original's task (charged to the
 * rate limit like one), and a reschedule takes a new {@code delay} parsed exactly as a trigger's. Another
 * environment's run is the same 404 as an unknown one.
 */
@RestController
class RunReplayController {

    private final ReplayableRuns originals;
    private final TriggerService triggers;
    private final RunRescheduler rescheduler;
    private final RunRetrieval retrieval;
    private final TriggerRateLimiter rateLimiter;
    private final Clock clock;

    RunReplayController(ReplayableRuns originals, TriggerService triggers, RunRescheduler rescheduler,
                        RunRetrieval retrieval, TriggerRateLimiter rateLimiter, Clock clock) {
        this.originals = originals;
        this.triggers = triggers;
        this.rescheduler = rescheduler;
        this.retrieval = retrieval;
        this.rateLimiter = rateLimiter;
        this.clock = clock;
    }

    /** Body optional (the SDK sends none without overrides) → {@code {id}} of the new run. */
    @PostMapping("/api/v1/runs/{runId}/replay")
    ReplayedRun replay(AuthenticatedEnvironment environment, @PathVariable String runId,
                       @RequestBody(required = false) JsonNode body, HttpServletResponse response) {
        var original = originals.find(environment.id(), runId)
                .orElseThrow(() -> ApiException.notFound("Run not found: " + runId));
        rateLimiter.charge(environment, 1, response);
        CreatedRun run = triggers.replay(environment, original, body);
        return new ReplayedRun(run.friendlyId());
    }

    /**
     * {@code {delay: "1h" | "<ISO date>"}} → the run as {@code GET /api/v3/runs/{id}} shows it, read back from the
     * writer so the answer has the new {@code delayedUntil}. 400 for a run that is not DELAYED.
     */
    @PostMapping("/api/v1/runs/{runId}/reschedule")
    RetrievedRun reschedule(AuthenticatedEnvironment environment, @PathVariable String runId,
                            @RequestBody(required = false) JsonNode body) {
        JsonNode delay = body == null ? null : body.get("delay");
        if (delay == null || !delay.isString()) {
            throw ApiException.badRequest("delay: expected a duration string (e.g. 1h) or an ISO 8601 date");
        }
        Instant until = TriggerOptionsParser.delayUntil(delay, clock.instant());
        rescheduler.reschedule(environment.id(), runId, until);
        return retrieval.retrieveFromWriter(environment.id(), runId)
                .orElseThrow(() -> ApiException.notFound("Run not found: " + runId));
    }

    /** @param id the new run's public id */
    record ReplayedRun(String id) {
    }
}
