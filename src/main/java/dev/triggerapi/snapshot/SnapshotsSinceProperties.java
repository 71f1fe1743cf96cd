package dev.triggerapi.snapshot;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the runner's snapshots-since poll ({@code trigger-api.run-engine.snapshots-since.*}).
 *
 * @param readReplicaEnabled read on the replica ({@code RUN_ENGINE_READ_REPLICA_SNAPSHOTS_SINCE_ENABLED});
 *                           unset = on when a replica is configured; on without a replica = primary
 * @param replicaRetryMinMs  shortest wait before the one replica retry
 *                           ({@code RUN_ENGINE_SNAPSHOTS_SINCE_REPLICA_RETRY_MIN_MS}, default 50; clamped to [0, max])
 * @param replicaRetryMaxMs  longest wait before the replica retry
 *                           ({@code RUN_ENGINE_SNAPSHOTS_SINCE_REPLICA_RETRY_MAX_MS}, default 200; 0 = no retry,
 *                           straight to the primary)
 * @param limit              most snapshots per answer ({@code RUN_ENGINE_SNAPSHOTS_SINCE_LIMIT}, default 50)
 * @param retryThreads       threads that wait out retry delays and run the retry reads
 *                           ({@code RUN_ENGINE_SNAPSHOTS_SINCE_RETRY_THREADS}, default 4)
 */
@Validated
@ConfigurationProperties("trigger-api.run-engine.snapshots-since")
public record SnapshotsSinceProperties(
        Boolean readReplicaEnabled,
        @DefaultValue("50") long replicaRetryMinMs,
        @DefaultValue("200") @Min(0) @Max(60_000) long replicaRetryMaxMs,
        @DefaultValue("50") @Min(1) @Max(1000) int limit,
        @DefaultValue("4") @Min(1) @Max(64) int retryThreads) {

    /** The lower bound of the retry delay, clamped to [0, max]. */
    public long effectiveRetryMinMs() {
        return Math.max(0, Math.min(replicaRetryMinMs, replicaRetryMaxMs));
    }

    /** Whether polls read the replica, given whether one is configured. */
    public boolean readsReplica(boolean replicaConfigured) {
        return replicaConfigured && (readReplicaEnabled == null || readReplicaEnabled);
    }
}
