package dev.triggerapi.run;

import java.math.BigDecimal;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A run as a runner sees it in dequeue and action responses: everything needed to execute it.
 *
 * @param id                 internal run id
 * @param friendlyId         public run id ({@code run_...}); runner endpoints take it in the path
 * @param environmentId      the run's environment
 * @param taskIdentifier     the task to run
 * @param status             the run's status after the action (as stored)
 * @param attemptNumber      current attempt number (0 before the first start)
 * @param maxAttempts        attempts allowed in total
 * @param payload            the payload exactly as triggered (often a serialized string)
 * @param payloadType        its content type ({@code application/json}, {@code application/super+json}, ...)
 * @param queue              the queue the run was dequeued from
 * @param priorityMs         head start in the dequeue order, in milliseconds; on the wire as {@link #priority()}
 * @param concurrencyKey     concurrency key, if any
 * @param machine            machine preset, if any
 * @param maxDurationSeconds max duration, if any
 * @param lockedToWorkerId   the worker version the run is locked to, if any
 * @param test               whether it is a test run
 * @param createdAt          when it was triggered
 * @param leaseExpiresAt     when the runner's lease ends unless it heartbeats (null when none)
 * @param idempotencyKey     the user's idempotency key as given to the SDK (not its hash), if it sent one; the
 *                           task context's {@code ctx.run.idempotencyKey}
 * @param idempotencyKeyScope that key's scope ({@code run}, {@code attempt}, {@code global}), if sent
 */
public record WorkerRun(String id, String friendlyId, String environmentId, String taskIdentifier, String status,
                        int attemptNumber, int maxAttempts, String payload, String payloadType, String queue,
                        @JsonIgnore int priorityMs, String concurrencyKey, String machine, Integer maxDurationSeconds,
                        String lockedToWorkerId, boolean test, Instant createdAt, Instant leaseExpiresAt,
                        String idempotencyKey, String idempotencyKeyScope) {

    static WorkerRun of(LockedRun run, RunStatus status, int attemptNumber, int maxAttempts, Instant leaseExpiresAt) {
        return new WorkerRun(run.id(), run.friendlyId(), run.environmentId(), run.taskIdentifier(), status.name(),
                attemptNumber, maxAttempts, run.payload(), run.payloadType(), run.queue(), run.priorityMs(),
                run.concurrencyKey(), run.machine(), run.maxDurationSeconds(), run.lockedToWorkerId(), run.test(),
                run.createdAt(), leaseExpiresAt, run.idempotencyKeyUser(), run.idempotencyKeyScope());
    }

    /**
     * {@code priority} as the SDK's task context has it ({@code ctx.run.priority}: a number of seconds, no
     * milliseconds field), written exactly: {@code 3}, {@code 0.5}, {@code 2.25}.
     */
    @JsonProperty("priority")
    public BigDecimal priority() {
        BigDecimal seconds = BigDecimal.valueOf(priorityMs, 3).stripTrailingZeros();
        return seconds.scale() < 0 ? seconds.setScale(0) : seconds;
    }
}
