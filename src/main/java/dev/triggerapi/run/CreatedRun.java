package dev.triggerapi.run;

import java.time.Instant;

/**
 * The outcome of creating (or finding, for an idempotency key) a run.
 *
 * @param id          internal run id
 * @param friendlyId  public id, {@code run_...}
 * @param status      run status
 * @param snapshotId  the run's latest snapshot id
 * @param updatedAt   the committed row's {@code updated_at} (realtime watermark)
 * @param cached      true when an existing run was returned for the idempotency key
 */
public record CreatedRun(String id, String friendlyId, RunStatus status, String snapshotId, Instant updatedAt,
                         boolean cached) {
}
