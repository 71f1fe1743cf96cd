package dev.triggerapi.run;

import java.time.Instant;
import java.util.List;

import dev.triggerapi.deployment.TriggerSource;

/**
 * Everything needed to create a run, in the groups the run creator writes: where the run goes, what it carries,
 * how it deduplicates, when it may run and for how long, and where it came from. Nullable fields are optional.
 *
 * @param placement   environment, task, queue and the partition and order within it
 * @param payload     payload, metadata and tags, as sent
 * @param idempotency the idempotency key, or {@link Idempotency#NONE}
 * @param timing      delay, ttl and attempt limits
 * @param origin      trigger source, test flag and batch membership
 */
public record NewRun(Placement placement, Payload payload, Idempotency idempotency, Timing timing, Origin origin) {

    /** This run with another {@code delayUntil}. */
    public NewRun withDelayUntil(Instant until) {
        return new NewRun(placement, payload, idempotency, timing.withDelayUntil(until), origin);
    }

    /**
     * Where the run goes and where it sorts there.
     *
     * @param environmentId    the environment the run belongs to
     * @param taskIdentifier   task slug
     * @param queue            resolved queue name
     * @param lockedQueueId    the queue row when the run is version-locked with a queue, or null
     * @param lockedToWorkerId the worker version the run is locked to, or null
     * @param concurrencyKey   per-key concurrency partition within the queue, or null
     * @param priorityMs       a head start in the dequeue order, in milliseconds (may be negative)
     * @param machine          machine preset, or null
     */
    public record Placement(String environmentId, String taskIdentifier, String queue, String lockedQueueId,
                            String lockedToWorkerId, String concurrencyKey, int priorityMs, String machine) {

        /** A run of {@code taskIdentifier} in {@code queue}, unlocked, without key, priority or machine. */
        public static Placement of(String environmentId, String taskIdentifier, String queue) {
            return new Placement(environmentId, taskIdentifier, queue, null, null, null, 0, null);
        }
    }

    /**
     * What the run carries, exactly as sent.
     *
     * @param data         payload (often a serialized string), or null
     * @param type         its content type (e.g. {@code application/json})
     * @param metadata     metadata (serialized), or null
     * @param metadataType its content type, or null
     * @param tags         tags (at most 10)
     */
    public record Payload(String data, String type, String metadata, String metadataType, List<String> tags) {

        /** A payload without metadata or tags. */
        public static Payload of(String data, String type) {
            return new Payload(data, type, null, null, List.of());
        }
    }

    /**
     * The idempotency key and what the SDK sent with it.
     *
     * @param key       the key (the SDK sends a hash of the user's key), or null for none
     * @param expiresAt when the key stops deduplicating, or null
     * @param userKey   the user's key before the SDK hashed it ({@code idempotencyKeyOptions.key}), or null
     * @param scope     its scope: {@code run}, {@code attempt} or {@code global}, or null
     */
    public record Idempotency(String key, Instant expiresAt, String userKey, String scope) {

        /** No idempotency key. */
        public static final Idempotency NONE = new Idempotency(null, null, null, null);

        /** A key without the SDK's {@code idempotencyKeyOptions}. */
        public static Idempotency of(String key, Instant expiresAt) {
            return new Idempotency(key, expiresAt, null, null);
        }
    }

    /**
     * When the run may start and how long and how often it may run.
     *
     * @param delayUntil         do not run before this instant, or null
     * @param ttl                ttl as given (duration string or seconds), or null
     * @param ttlSeconds         ttl in seconds (decides when a queued run expires), or null for never
     * @param maxAttempts        attempts allowed, or null for the default
     * @param maxDurationSeconds max duration, or null
     */
    public record Timing(Instant delayUntil, String ttl, Long ttlSeconds, Integer maxAttempts,
                         Integer maxDurationSeconds) {

        /** Due at once, no ttl, default attempts, no max duration. */
        public static final Timing NONE = new Timing(null, null, null, null, null);

        Timing withDelayUntil(Instant until) {
            return new Timing(until, ttl, ttlSeconds, maxAttempts, maxDurationSeconds);
        }
    }

    /**
     * Where the run came from.
     *
     * @param triggerSource how its task is started
     * @param test          whether this is a test run
     * @param batchId       the batch the run belongs to, or null
     * @param batchIndex    the item's index in a streamed batch (deduplicates re-sent items), or null
     */
    public record Origin(TriggerSource triggerSource, boolean test, String batchId, Integer batchIndex) {

        public Origin {
            triggerSource = triggerSource == null ? TriggerSource.STANDARD : triggerSource;
        }

        /** A standard, non-test run outside any batch. */
        public static final Origin STANDARD = new Origin(TriggerSource.STANDARD, false, null, null);
    }
}
