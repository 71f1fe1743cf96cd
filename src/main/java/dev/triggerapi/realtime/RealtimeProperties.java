package dev.triggerapi.realtime;

import java.time.Duration;
import java.util.List;

import dev.triggerapi.duration.NonNegativeDuration;
import dev.triggerapi.duration.PositiveDuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the realtime run feed ({@code trigger-api.realtime.*}); every value has an environment
 * variable listed in the README.
 *
 * @param runReadsFromPrimary hydrate runs from the writer and skip the gate entirely
 *                            ({@code REALTIME_RUN_READS_FROM_PRIMARY}, default false). Also implied when no
 *                            replica is configured.
 * @param gate                the read-your-writes gate and the per-environment coalescing in front of it
 * @param replicaLag          the replica-lag estimator
 * @param staleHydrate        the tripwire: what happens when a hydrated row is older than its change record
 * @param feed                subscriber-facing behaviour: heartbeats, buffers, backstop poll, resume
 * @param publicTokens        public access tokens (JWTs a browser uses instead of the secret key)
 * @param shape               the shape-stream (long-poll) protocol the official SDK speaks
 */
@ConfigurationProperties("trigger-api.realtime")
@Validated
public record RealtimeProperties(
        @DefaultValue("false") boolean runReadsFromPrimary,
        @DefaultValue @Valid Gate gate,
        @DefaultValue @Valid ReplicaLag replicaLag,
        @DefaultValue @Valid StaleHydrate staleHydrate,
        @DefaultValue @Valid Feed feed,
        @DefaultValue @Valid PublicTokens publicTokens,
        @DefaultValue @Valid Shape shape) {

    /**
     * The gate and coalescing.
     *
     * @param enabled        wait for the replica before hydrating ({@code REALTIME_REPLICA_LAG_GATE_ENABLED},
     *                       default true); off only to measure what the gate buys
     * @param margin         added to the lag estimate ({@code REALTIME_REPLICA_LAG_MARGIN_MS}, default 10 ms)
     * @param maxWait        cap on one gate wait ({@code REALTIME_REPLICA_LAG_MAX_WAIT_MS}, default 1 s)
     * @param coalesceWindow per-environment wake window: a leading wake plus at most one trailing wake per
     *                       window ({@code REALTIME_COALESCE_WINDOW_MS}, default 250 ms)
     */
    public record Gate(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("10ms") @NonNegativeDuration Duration margin,
            @DefaultValue("1s") @NonNegativeDuration Duration maxWait,
            @DefaultValue("250ms") @NonNegativeDuration Duration coalesceWindow) {
    }

    /**
     * The replica-lag estimator.
     *
     * @param sampleInterval how often a lag sample is taken while feeds are active
     *                       ({@code REALTIME_REPLICA_LAG_SAMPLE_INTERVAL_MS}, default 250 ms)
     * @param idleStop       stop sampling this long after the last feed activity
     *                       ({@code REALTIME_REPLICA_LAG_IDLE_STOP_MS}, default 30 s)
     * @param window         the estimate is the largest sample within this window
     *                       ({@code REALTIME_REPLICA_LAG_WINDOW_MS}, default 5 s)
     * @param defaultLag     estimate before any sample exists ({@code REALTIME_REPLICA_LAG_DEFAULT_MS}, default 30 ms)
     * @param floorTtl       how long a tripwire observation floors the estimate
     *                       ({@code REALTIME_REPLICA_LAG_FLOOR_TTL_MS}, default 60 s)
     * @param max            upper clamp of the estimate ({@code REALTIME_REPLICA_LAG_MAX_MS}, default 60 s)
     * @param queryTimeout   timeout of one sampling query ({@code REALTIME_REPLICA_LAG_QUERY_TIMEOUT_MS}, default 1 s)
     */
    public record ReplicaLag(
            @DefaultValue("250ms") @PositiveDuration Duration sampleInterval,
            @DefaultValue("30s") @NonNegativeDuration Duration idleStop,
            @DefaultValue("5s") @PositiveDuration Duration window,
            @DefaultValue("30ms") @NonNegativeDuration Duration defaultLag,
            @DefaultValue("60s") @NonNegativeDuration Duration floorTtl,
            @DefaultValue("60s") @NonNegativeDuration Duration max,
            @DefaultValue("1s") @PositiveDuration Duration queryTimeout) {
    }

    /**
     * The tripwire.
     *
     * @param retries         re-hydrations of a stale row before delivering what the replica has
     *                        ({@code REALTIME_STALE_HYDRATE_RETRIES}, default 3)
     * @param minDelay        lower bound of the delay before a re-hydration
     *                        ({@code REALTIME_STALE_HYDRATE_MIN_DELAY_MS}, default 25 ms)
     * @param rehydrateWindow after the retries ran out, keep re-hydrating the run this long so the fresh version
     *                        still goes out as soon as the replica has it
     *                        ({@code REALTIME_STALE_REHYDRATE_WINDOW_MS}, default 10 s; 0 = off)
     */
    public record StaleHydrate(
            @DefaultValue("3") @Min(0) int retries,
            @DefaultValue("25ms") @NonNegativeDuration Duration minDelay,
            @DefaultValue("10s") @NonNegativeDuration Duration rehydrateWindow) {
    }

    /**
     * Subscriber-facing behaviour.
     *
     * @param heartbeatInterval    SSE comment sent to idle streams; also how fast a vanished client is noticed
     *                             ({@code REALTIME_HEARTBEAT_INTERVAL_MS}, default 15 s)
     * @param backstopInterval     every subscription re-reads its runs this often (±jitter) as the last safety
     *                             net for lost notifications ({@code REALTIME_BACKSTOP_POLL_INTERVAL_MS}, default 20 s)
     * @param backstopJitter       relative jitter of the backstop interval ({@code REALTIME_BACKSTOP_POLL_JITTER},
     *                             default 0.2)
     * @param subscriberBuffer     runs with an undelivered version one subscriber may hold; past it the buffer is
     *                             dropped and the subscriber resynchronised ({@code REALTIME_SUBSCRIBER_BUFFER},
     *                             default 100)
     * @param initialLimit         most runs (newest first) a batch or tag feed sends as its current state and
     *                             re-reads on backstop/resync ({@code REALTIME_FEED_INITIAL_LIMIT}, default 200)
     * @param tagFeedDefaultWindow a tag feed without {@code createdAfter} covers runs created this recently
     *                             ({@code REALTIME_TAG_FEED_DEFAULT_WINDOW}, default 24 h)
     * @param resumeOverlap        a multi-run feed resumed with {@code Last-Event-ID} re-sends versions this much
     *                             older than the id, covering changes still in flight at the disconnect
     *                             ({@code REALTIME_RESUME_OVERLAP_MS}, default 5 s)
     * @param maxStreamDuration    the server ends a stream after this long; the client resumes with
     *                             {@code Last-Event-ID} ({@code REALTIME_MAX_STREAM_DURATION}, default 1 h)
     * @param hydrateThreads       threads that read runs from the database for the feed
     *                             ({@code REALTIME_HYDRATE_THREADS}, default 4)
     * @param deliveredVersionsLimit per subscription, how many runs' last delivered versions are remembered
     *                             for de-duplication ({@code REALTIME_DELIVERED_VERSIONS_LIMIT}, default 10000)
     * @param corsAllowedOrigins   origins allowed to subscribe from a browser
     *                             ({@code REALTIME_CORS_ALLOWED_ORIGINS}, default {@code *}: auth is a bearer token)
     */
    public record Feed(
            @DefaultValue("15s") @PositiveDuration Duration heartbeatInterval,
            @DefaultValue("20s") @PositiveDuration Duration backstopInterval,
            @DefaultValue("0.2") @DecimalMin("0.0") @DecimalMax("0.9") double backstopJitter,
            @DefaultValue("100") @Min(1) int subscriberBuffer,
            @DefaultValue("200") @Min(1) int initialLimit,
            @DefaultValue("24h") @NonNegativeDuration Duration tagFeedDefaultWindow,
            @DefaultValue("5s") @NonNegativeDuration Duration resumeOverlap,
            @DefaultValue("1h") @NonNegativeDuration Duration maxStreamDuration,
            @DefaultValue("4") @Min(1) int hydrateThreads,
            @DefaultValue("10000") @Min(1) int deliveredVersionsLimit,
            @DefaultValue("*") @NotNull List<String> corsAllowedOrigins) {
    }

    /**
     * Public access tokens.
     *
     * @param secret HS256 signing secret, at least 32 bytes ({@code REALTIME_PUBLIC_TOKEN_SECRET}); empty (default)
     *               generates a random one at start, so tokens are valid only on this instance until it restarts
     * @param ttl    token lifetime ({@code REALTIME_PUBLIC_TOKEN_TTL}, default 1 h)
     */
    public record PublicTokens(
            @DefaultValue("") String secret,
            @DefaultValue("1h") @PositiveDuration Duration ttl) {
    }

    /**
     * The shape-stream protocol ({@code @electric-sql/client}, used by {@code runs.subscribeToRun} and friends).
     *
     * @param liveTimeout           a live poll with no change is answered ({@code up-to-date} only) after this long
     *                              ({@code REALTIME_SHAPE_LIVE_TIMEOUT_MS}, default 20 s)
     * @param linger                after the first change reaches a held poll, wait this long for more before
     *                              answering, so one wake's runs share an answer ({@code REALTIME_SHAPE_LINGER_MS},
     *                              default 5 ms; 0 = answer at once)
     * @param sessionIdleTimeout    a handle no poll reached for this long is closed; a later poll with it is adopted
     *                              from its offset ({@code REALTIME_SHAPE_SESSION_IDLE_TIMEOUT_MS}, default 60 s)
     * @param sessionBuffer         runs with an undelivered version one session keeps between polls before the
     *                              hub holds them back ({@code REALTIME_SHAPE_SESSION_BUFFER}, default 1000; at least
     *                              {@code REALTIME_FEED_INITIAL_LIMIT})
     * @param maxHeldPerEnvironment live polls one environment may have held on this instance; above it 429
     *                              ({@code REALTIME_SHAPE_MAX_HELD_PER_ENVIRONMENT}, default 2000)
     * @param retryAfter            the {@code Retry-After} of that 429 ({@code REALTIME_SHAPE_RETRY_AFTER_SECONDS},
     *                              default 2 s)
     * @param adoptOverlap          a multi-run feed adopted from another instance's handle re-reads versions this
     *                              much older than the client's cursor ({@code REALTIME_SHAPE_ADOPT_OVERLAP_MS},
     *                              default 2 s)
     */
    public record Shape(
            @DefaultValue("20s") @PositiveDuration Duration liveTimeout,
            @DefaultValue("5ms") @NonNegativeDuration Duration linger,
            @DefaultValue("60s") @PositiveDuration Duration sessionIdleTimeout,
            @DefaultValue("1000") @Min(1) int sessionBuffer,
            @DefaultValue("2000") @Min(1) int maxHeldPerEnvironment,
            @DefaultValue("2s") @NonNegativeDuration Duration retryAfter,
            @DefaultValue("2s") @NonNegativeDuration Duration adoptOverlap) {
    }
}
