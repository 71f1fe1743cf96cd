package dev.triggerapi.run;

import java.time.Duration;

import dev.triggerapi.duration.NonNegativeDuration;
import dev.triggerapi.duration.PositiveDuration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the run lifecycle engine ({@code trigger-api.run-engine.*}).
 *
 * @param leaseDuration      how long a runner holds a run after dequeue, start or heartbeat before the sweeper
 *                           requeues (or fails) it; also a cancelled run's grace for the runner to stop
 *                           ({@code RUN_ENGINE_LEASE_DURATION}, default 60 s)
 * @param defaultMaxAttempts attempts for runs triggered without {@code maxAttempts}
 *                           ({@code RUN_ENGINE_DEFAULT_MAX_ATTEMPTS}, default 3)
 * @param retryBaseDelay     backoff before the first retry; doubles per failed attempt
 *                           ({@code RUN_ENGINE_RETRY_BASE_DELAY}, default 1 s)
 * @param retryMaxDelay      longest backoff ({@code RUN_ENGINE_RETRY_MAX_DELAY}, default 5 min)
 * @param dequeueMaxRuns     most runs one dequeue call may claim ({@code RUN_ENGINE_DEQUEUE_MAX_RUNS}, default 50)
 * @param sweeperEnabled     run the background sweeps on this instance ({@code RUN_ENGINE_SWEEPER_ENABLED},
 *                           default true; safe on every instance at once)
 * @param sweepInterval      pause between sweeps ({@code RUN_ENGINE_SWEEP_INTERVAL}, default 1 s)
 * @param sweepBatchSize     runs one sweep transaction handles ({@code RUN_ENGINE_SWEEP_BATCH_SIZE}, default 100)
 */
@Validated
@ConfigurationProperties("trigger-api.run-engine")
public record RunEngineProperties(
        @DefaultValue("60s") @PositiveDuration Duration leaseDuration,
        @DefaultValue("3") @Min(1) @Max(100) int defaultMaxAttempts,
        @DefaultValue("1s") @NonNegativeDuration Duration retryBaseDelay,
        @DefaultValue("5m") @NonNegativeDuration Duration retryMaxDelay,
        @DefaultValue("50") @Min(1) @Max(1000) int dequeueMaxRuns,
        @DefaultValue("true") boolean sweeperEnabled,
        @DefaultValue("1s") @PositiveDuration Duration sweepInterval,
        @DefaultValue("100") @Min(1) @Max(10_000) int sweepBatchSize) {
}
