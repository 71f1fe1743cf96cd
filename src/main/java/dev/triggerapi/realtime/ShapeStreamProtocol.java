package dev.triggerapi.realtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.concurrent.DaemonThreads;
import dev.triggerapi.run.RunStatus;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Electric "shape" HTTP protocol, as {@code @electric-sql/client} 1.0.14 (inside {@code @trigger.dev/sdk})
 * speaks it, on top of the same {@link RunFeedHub} engine as the SSE format.
 *
 * <p><b>Wire.</b> {@code GET ...?offset=-1} answers the feed's current state (change messages with
 * {@code operation: insert}) ending in an {@code up-to-date} control message; the client then polls
 * {@code ?handle=H&offset=O&live=true}, which is held until a run of the feed changes (answered with
 * {@code update} messages) or {@code liveTimeout} passes (answered with only {@code up-to-date}). Every answer
 * carries {@code electric-handle}, {@code electric-offset}, {@code electric-schema}, {@code electric-cursor} and
 * {@code electric-up-to-date}. Rows are the columns of {@code SubscribeRunRawShape}, in PostgreSQL text form
 * described by {@code electric-schema}, so the client's parser turns them into booleans, numbers, arrays and JSON.
 *
 * <p><b>Sessions.</b> A handle names a session on this instance: one {@link FeedSubscription} of the hub whose
 * deliveries wait in the session (latest version per run) between polls, so nothing that changes between two
 * polls is lost, and the hub's per-run ordering means nothing is sent twice. The offset names the answer a poll
 * follows: a poll repeating the <em>previous</em> offset (its answer was lost with the connection) gets that
 * answer's rows again with everything newer. A session no poll reached for {@code sessionIdleTimeout} is closed.
 *
 * <p><b>Other instances and restarts.</b> An offset is {@code <cursor>_<sequence>}, where the cursor is the newest
 * row version the client has ({@code updated_at} in microseconds). An instance that does not know the handle (it
 * restarted, or a load balancer sent the poll elsewhere) adopts it: a new session resumes after the cursor, so a
 * one-run feed continues exactly; a multi-run feed re-reads a short overlap before the cursor (as SSE's
 * {@code Last-Event-ID} does) because a change in flight at the switch may carry a slightly older version. Only
 * an offset that cannot be read is answered with 409 {@code must-refetch} (the client starts over with a
 * snapshot); other instances never break a subscription.
 *
 * <p><b>Resources.</b> A held poll holds neither a request thread (asynchronous servlet response, written with
 * non-blocking I/O) nor a database connection (reads happen in the hub). Each environment may hold at most
 * {@code maxHeldPerEnvironment} polls; above it a poll is answered 429 with {@code Retry-After}, which the
 * client retries.
 */
final class ShapeStreamProtocol implements SmartLifecycle {

    static final String HANDLE = "electric-handle";
    static final String OFFSET = "electric-offset";
    static final String SCHEMA = "electric-schema";
    static final String CURSOR = "electric-cursor";
    static final String UP_TO_DATE = "electric-up-to-date";
    /** Response headers a browser client must be allowed to read (CORS). */
    static final List<String> RESPONSE_HEADERS = List.of(HANDLE, OFFSET, SCHEMA, CURSOR, UP_TO_DATE);

    private static final Logger log = LoggerFactory.getLogger(ShapeStreamProtocol.class);
    private static final Pattern OFFSET_FORMAT = Pattern.compile("(\\d{1,18})_(\\d{1,18})");
    private static final Pattern HANDLE_FORMAT = Pattern.compile("[A-Za-z0-9_-]{1,100}");
    private static final int WRITE_CHUNK = 64 * 1024;
    /**
     * How long a poll waits for its session's initial read (a snapshot, or an adopted handle's catch-up) at least:
     * that read waits for the Redis subscription (up to 11 s), the gate and the replay fence (up to the gate's cap
     * plus the re-read window), which the live timeout is not meant to bound.
     */
    private static final Duration INITIAL_READ_WAIT = Duration.ofSeconds(60);
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS");
    private static final Set<String> ERROR_TYPES = Set.of("BUILT_IN_ERROR", "CUSTOM_ERROR", "STRING_ERROR",
            "INTERNAL_ERROR");

    /** Columns of {@code SubscribeRunRawShape}, and which of them the client needs whatever it asks to skip. */
    private static final List<String> COLUMNS = List.of("id", "taskIdentifier", "friendlyId", "status", "createdAt",
            "updatedAt", "startedAt", "delayUntil", "queuedAt", "expiredAt", "completedAt", "idempotencyKey", "number",
            "isTest", "usageDurationMs", "costInCents", "baseCostInCents", "ttl", "payload", "payloadType", "metadata",
            "metadataType", "output", "outputType", "runTags", "error", "realtimeStreams");
    private static final Set<String> REQUIRED = Set.of("id", "taskIdentifier", "friendlyId", "status", "createdAt",
            "updatedAt");

    private final RunFeedHub hub;
    private final RealtimeProperties.Shape settings;
    private final RealtimeMetrics metrics;
    private final Clock clock;
    private final JsonMapper json;
    private final String schemaHeader;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> heldPerEnvironment = new ConcurrentHashMap<>();
    private final AtomicInteger held = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private volatile ScheduledExecutorService timer;
    /** Closing a session releases the hub subscription (which may unsubscribe Redis): never on the timer thread. */
    private volatile java.util.concurrent.ExecutorService closer;
    private volatile boolean running;

    ShapeStreamProtocol(RunFeedHub hub, RealtimeProperties.Shape settings, RealtimeMetrics metrics, Clock clock,
                        JsonMapper json) {
        this.hub = hub;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        this.json = json;
        this.schemaHeader = json.writeValueAsString(schema());
    }

    /**
     * The protocol's query parameters.
     *
     * @param offset      {@code -1} for a snapshot, else the offset of the answer the client has
     * @param handle      the session handle (required with an offset other than -1)
     * @param live        hold the poll until something changes
     * @param skipColumns columns left out of every answer: those the client asks to skip and those its token's
     *                    {@code realtime.skipColumns} claim hides (never the ones the client needs)
     */
    record Request(String offset, String handle, boolean live, Set<String> skipColumns) {

        /**
         * @param access who asks: its token's {@code realtime.skipColumns} are skipped whatever the request says
         */
        static Request from(HttpServletRequest request, RealtimeAccess access) {
            String offset = request.getParameter("offset");
            if (offset == null || offset.isBlank()) {
                offset = "-1";
            }
            String handle = request.getParameter("handle");
            if (handle != null && handle.isBlank()) {
                handle = null;
            }
            if (handle != null && !HANDLE_FORMAT.matcher(handle).matches()) {
                throw ApiException.badRequest("Invalid handle");
            }
            if (!offset.equals("-1") && !OFFSET_FORMAT.matcher(offset).matches()) {
                throw ApiException.badRequest("Invalid offset: use -1 or an electric-offset this service returned");
            }
            if (!offset.equals("-1") && handle == null) {
                throw ApiException.badRequest("handle is required when offset is not -1");
            }
            Set<String> skip = new LinkedHashSet<>();
            String requested = request.getParameter("skipColumns");
            if (requested != null) {
                addSkipped(skip, Arrays.asList(requested.split(",")), "skipColumns");
            }
            addSkipped(skip, access.skipColumns(), "the token's realtime.skipColumns");
            return new Request(offset, handle, "true".equals(request.getParameter("live")), Set.copyOf(skip));
        }

        private static void addSkipped(Set<String> skip, Collection<String> columns, String source) {
            for (String column : columns) {
                String name = column.strip();
                if (name.isEmpty()) {
                    continue;
                }
                if (!COLUMNS.contains(name)) {
                    throw ApiException.badRequest(source + ": unknown column '" + name + "'");
                }
                if (!REQUIRED.contains(name)) {
                    skip.add(name);
                }
            }
        }
    }

    /** Whether {@code name} is a column of the rows this protocol sends ({@code SubscribeRunRawShape}). */
    static boolean isColumn(String name) {
        return COLUMNS.contains(name);
    }

    /**
     * Answers one request of the protocol for a feed the caller has validated and authorised.
     *
     * @param shapeKey what identifies the feed across polls (environment, path and feed parameters): a handle is
     *                 only ever resumed for the same key
     */
    void serve(FeedSpec spec, String shapeKey, Request request, HttpServletRequest servletRequest,
               HttpServletResponse response) throws IOException {
        if (!running || !hub.isRunning()) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "Realtime is shutting down, retry shortly",
                    Map.of("Retry-After", "1"));
        }
        AsyncContext async = servletRequest.startAsync(servletRequest, response);
        // A safety net only: the session answers by itself before.
        async.setTimeout(longestHold().plusSeconds(30).toMillis());
        Poll poll = new Poll(async, spec.environmentId(), request.skipColumns());
        if (request.offset().equals("-1")) {
            open(spec, shapeKey, newHandle(), null, false).poll(poll, null, request.live());
            return;
        }
        Session session = sessions.get(request.handle());
        if (session != null && session.shapeKey.equals(shapeKey) && session.follows(request.offset())) {
            session.poll(poll, request.offset(), request.live());
            return;
        }
        if (session != null) {
            // The handle is known but the offset is not one of its last two answers: start it over from the cursor.
            session.subscription().close();
        }
        Matcher offset = OFFSET_FORMAT.matcher(request.offset());
        long cursorMicros;
        if (!offset.matches() || (cursorMicros = Long.parseLong(offset.group(1))) < 0) {
            poll.refetch(newHandle());
            return;
        }
        Instant cursor = cursorMicros == 0 ? null : RunChangeRecord.Versions.instant(cursorMicros);
        Instant floor = cursor == null || spec.singleRun() ? cursor : cursor.minus(settings.adoptOverlap());
        metrics.shapeAdopted();
        open(spec, shapeKey, request.handle(), floor, true).adopt(request.offset(), cursorMicros)
                .poll(poll, request.offset(), request.live());
    }

    private Duration longestHold() {
        return settings.liveTimeout().compareTo(INITIAL_READ_WAIT) > 0 ? settings.liveTimeout() : INITIAL_READ_WAIT;
    }

    /** Sessions on this instance (diagnostics and tests). */
    int sessions() {
        return sessions.size();
    }

    /** Whether the session of {@code handle} has a poll held on this instance (tests). */
    boolean holding(String handle) {
        Session session = sessions.get(handle);
        return session != null && session.isHolding();
    }

    /** Polls currently held (diagnostics, tests and the gauge). */
    int heldPolls() {
        return held.get();
    }

    private Session open(FeedSpec spec, String shapeKey, String handle, Instant floor, boolean adopted) {
        Session session = new Session(handle, shapeKey, adopted);
        Session previous = sessions.put(handle, session);
        if (previous != null) {
            previous.subscription().close();
        }
        session.attach(hub.subscribe(spec, session, floor));
        return session;
    }

    private String newHandle() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    // ---- rows -------------------------------------------------------------------------------------------------

    /** {@code electric-schema}: the column types the client's parser applies to the text values. */
    private static Map<String, Object> schema() {
        Map<String, Object> schema = new LinkedHashMap<>();
        for (String column : COLUMNS) {
            Map<String, Object> type = new LinkedHashMap<>();
            switch (column) {
                case "createdAt", "updatedAt", "startedAt", "delayUntil", "queuedAt", "expiredAt", "completedAt" ->
                        type.put("type", "timestamp");
                case "number", "usageDurationMs" -> type.put("type", "int4");
                case "costInCents", "baseCostInCents" -> type.put("type", "float8");
                case "isTest" -> type.put("type", "bool");
                case "error" -> type.put("type", "jsonb");
                case "runTags", "realtimeStreams" -> {
                    type.put("type", "text");
                    type.put("dims", 1);
                }
                default -> type.put("type", "text");
            }
            if (column.equals("id")) {
                type.put("pk_index", 0);
            }
            if (REQUIRED.contains(column) || column.equals("number") || column.equals("isTest")) {
                type.put("not_null", true);
            }
            schema.put(column, type);
        }
        return schema;
    }

    /** One change message: the row's columns as text, as Electric sends a {@code TaskRun} row. */
    private ObjectNode message(HydratedRun run, String operation, Set<String> skip) {
        RunColumns c = run.columns();
        ObjectNode value = json.createObjectNode();
        put(value, skip, "id", c.id());
        put(value, skip, "taskIdentifier", c.taskIdentifier());
        put(value, skip, "friendlyId", c.friendlyId());
        put(value, skip, "status", storedStatus(c.status()));
        put(value, skip, "createdAt", timestamp(c.createdAt()));
        put(value, skip, "updatedAt", timestamp(c.updatedAt()));
        put(value, skip, "startedAt", timestamp(c.startedAt()));
        put(value, skip, "delayUntil", timestamp(c.delayUntil()));
        put(value, skip, "queuedAt", timestamp(c.queuedAt()));
        put(value, skip, "expiredAt", timestamp(c.expiredAt()));
        put(value, skip, "completedAt", timestamp(c.completedAt()));
        put(value, skip, "idempotencyKey", c.idempotencyKey());
        put(value, skip, "number", "0");
        put(value, skip, "isTest", Boolean.toString(c.isTest()));
        put(value, skip, "usageDurationMs", "0");
        put(value, skip, "costInCents", "0");
        put(value, skip, "baseCostInCents", "0");
        put(value, skip, "ttl", c.ttl());
        put(value, skip, "payload", c.payload());
        put(value, skip, "payloadType", c.payload() == null ? null : c.payloadType());
        put(value, skip, "metadata", c.metadata());
        put(value, skip, "metadataType", c.metadata() == null ? null : c.metadataType());
        put(value, skip, "output", c.output());
        put(value, skip, "outputType", c.outputType());
        put(value, skip, "runTags", textArray(c.tags()));
        put(value, skip, "error", error(c.error()));
        put(value, skip, "realtimeStreams", "{}");
        ObjectNode message = json.createObjectNode();
        message.put("key", "\"public\".\"TaskRun\"/\"" + c.id() + "\"");
        message.set("value", value);
        ObjectNode headers = message.putObject("headers");
        headers.put("operation", operation);
        headers.putArray("relation").add("public").add("TaskRun");
        return message;
    }

    private static void put(ObjectNode value, Set<String> skip, String column, String text) {
        if (!skip.contains(column)) {
            value.put(column, text);
        }
    }

    /**
     * The status as the platform stores it: the client maps stored statuses to public ones itself
     * ({@code PENDING} to {@code QUEUED}, {@code COMPLETED_SUCCESSFULLY} to {@code COMPLETED}, ...), so each public
     * status is sent as a stored status the client maps back to the same public status this service reports.
     */
    static String storedStatus(RunStatus status) {
        return switch (status.publicStatus()) {
            case "QUEUED" -> "PENDING";
            case "WAITING" -> "WAITING_TO_RESUME";
            case "COMPLETED" -> "COMPLETED_SUCCESSFULLY";
            case "FAILED" -> "COMPLETED_WITH_ERRORS";
            default -> status.publicStatus();
        };
    }

    private static String timestamp(Instant instant) {
        return instant == null ? null : TIMESTAMP.format(LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    /** A PostgreSQL array literal of quoted elements, which the client's array parser reads back exactly. */
    static String textArray(List<String> values) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append('"').append(values.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return out.append('}').toString();
    }

    /** The client validates {@code error} against the SDK's error union; a stored error of another form is adapted. */
    private String error(String stored) {
        if (stored == null) {
            return null;
        }
        try {
            JsonNode node = json.readTree(stored);
            if (node.isObject() && node.has("type") && ERROR_TYPES.contains(node.get("type").asString(""))) {
                return stored;
            }
            ObjectNode adapted = json.createObjectNode();
            if (node.isObject() && node.hasNonNull("message")) {
                adapted.put("type", "BUILT_IN_ERROR");
                adapted.put("name", node.hasNonNull("name") ? node.get("name").asString() : "Error");
                adapted.put("message", node.get("message").asString());
                adapted.put("stackTrace", node.hasNonNull("stackTrace") ? node.get("stackTrace").asString() : "");
            } else {
                adapted.put("type", "STRING_ERROR");
                adapted.put("raw", node.isString() ? node.asString() : stored);
            }
            return json.writeValueAsString(adapted);
        } catch (JacksonException e) {
            return json.writeValueAsString(Map.of("type", "STRING_ERROR", "raw", stored));
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------------------------

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("realtime-shape-timer"));
        closer = Executors.newSingleThreadExecutor(DaemonThreads.named("realtime-shape-closer"));
        long sweep = Math.max(100, settings.sessionIdleTimeout().toMillis() / 4);
        timer.scheduleAtFixedRate(this::closeIdleSessions, sweep, sweep, TimeUnit.MILLISECONDS);
        running = true;
    }

    /** Answers every held poll (the client polls again, here after a restart or on another instance). */
    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        new ArrayList<>(sessions.values()).forEach(session -> session.subscription().close());
        timer.shutdownNow();
        closer.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before the hub (higher phase stops first), so sessions end while the hub can still release them. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE + 1;
    }

    private void closeIdleSessions() {
        try {
            Instant now = clock.instant();
            for (Session session : sessions.values()) {
                if (session.idleSince(now).compareTo(settings.sessionIdleTimeout()) >= 0) {
                    closer.execute(() -> session.subscription().close());
                }
            }
        } catch (RuntimeException e) {
            log.warn("Closing idle shape sessions failed", e);
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        ScheduledExecutorService scheduler = timer;
        if (scheduler == null || !running) {
            return null;
        }
        try {
            return scheduler.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            return null;
        }
    }

    // ---- one session --------------------------------------------------------------------------------------

    /** What a session has queued for a run: its latest version and whether the client already knows the run. */
    private record Queued(HydratedRun run, boolean update) {
    }

    /**
     * One handle: the hub subscription feeding it, the versions waiting for the next poll, and the last answer
     * (kept until the client shows it received it by polling with its offset).
     */
    private final class Session implements EventSink {
        final String handle;
        final String shapeKey;
        private final boolean adopted;
        private final LinkedHashMap<String, Queued> pending = new LinkedHashMap<>();
        private final Set<String> known = ConcurrentHashMap.newKeySet();
        private final AtomicLong sequence = new AtomicLong();
        private volatile FeedSubscription subscription;
        private Map<String, Queued> lastAnswer = Map.of();
        private String offset;
        private String previousOffset;
        private long cursorMicros;
        private boolean initialDone;
        private Poll waiting;
        private ScheduledFuture<?> timeout;
        private ScheduledFuture<?> linger;
        private Instant lastActivity;
        private boolean full;
        private boolean closed;

        Session(String handle, String shapeKey, boolean adopted) {
            this.handle = handle;
            this.shapeKey = shapeKey;
            this.adopted = adopted;
            this.lastActivity = clock.instant();
        }

        void attach(FeedSubscription subscription) {
            this.subscription = subscription;
        }

        FeedSubscription subscription() {
            return subscription;
        }

        /** An adopted handle continues the client's offset. */
        synchronized Session adopt(String clientOffset, long cursor) {
            this.offset = clientOffset;
            this.cursorMicros = cursor;
            Matcher m = OFFSET_FORMAT.matcher(clientOffset);
            if (m.matches()) {
                sequence.set(Long.parseLong(m.group(2)));
            }
            return this;
        }

        /** Whether a poll with this offset continues this session (its last answer, or the one before). */
        synchronized boolean follows(String clientOffset) {
            return !closed && (clientOffset.equals(offset) || clientOffset.equals(previousOffset));
        }

        synchronized boolean isHolding() {
            return waiting != null;
        }

        synchronized Duration idleSince(Instant now) {
            return waiting != null || closed ? Duration.ZERO : Duration.between(lastActivity, now);
        }

        void poll(Poll poll, String clientOffset, boolean live) {
            Poll superseded;
            boolean answerNow;
            synchronized (this) {
                if (closed) {
                    poll.refetch(newHandle());
                    return;
                }
                lastActivity = clock.instant();
                superseded = waiting;
                waiting = null;
                cancelTimers();
                if (clientOffset != null && clientOffset.equals(previousOffset) && !clientOffset.equals(offset)) {
                    // The last answer never arrived: its rows go out again, unless a newer version replaced them.
                    lastAnswer.forEach(pending::putIfAbsent);
                    offset = previousOffset;
                }
                answerNow = initialDone && (!pending.isEmpty() || !live);
                if (!answerNow) {
                    if (!poll.reserve()) {
                        poll.tooMany();
                        return;
                    }
                    waiting = poll;
                    timeout = schedule(() -> timedOut(poll), initialDone ? settings.liveTimeout() : longestHold());
                }
            }
            if (superseded != null) {
                answerEmpty(superseded);
            }
            if (answerNow) {
                answer(poll, false, false);
            } else {
                poll.onDisconnect(() -> abandoned(poll));
            }
        }

        private void timedOut(Poll poll) {
            boolean snapshotMissing;
            synchronized (this) {
                if (waiting != poll) {
                    return;
                }
                snapshotMissing = !initialDone && offset == null;
            }
            if (snapshotMissing) {
                // The initial read did not complete in time (database trouble): the client retries a 503.
                synchronized (this) {
                    waiting = null;
                }
                poll.unavailable();
                FeedSubscription current = subscription;
                closer.execute(current::close);
                return;
            }
            answer(poll, true, true);
        }

        private void abandoned(Poll poll) {
            synchronized (this) {
                if (waiting != poll) {
                    return;
                }
                waiting = null;
                cancelTimers();
                lastActivity = clock.instant();
            }
            poll.release();
        }

        /**
         * Writes an answer: everything pending (unless {@code empty}), then {@code up-to-date}. A non-empty answer
         * moves the offset on and is remembered until the client's next poll confirms it.
         *
         * @param held whether {@code poll} is the session's held poll (answered only if it still is)
         */
        private void answer(Poll poll, boolean empty, boolean held) {
            List<Queued> rows;
            String answerOffset;
            boolean snapshot;
            boolean drainSubscription;
            synchronized (this) {
                if (held) {
                    if (waiting != poll) {
                        return;
                    }
                    waiting = null;
                    cancelTimers();
                }
                drainSubscription = full;
                full = false;
                snapshot = offset == null;
                rows = empty ? new ArrayList<>() : new ArrayList<>(pending.values()); // sorted below: mutable
                if (snapshot || !rows.isEmpty()) {
                    previousOffset = offset;
                    offset = cursorMicros + "_" + sequence.incrementAndGet();
                    Map<String, Queued> sent = new LinkedHashMap<>();
                    rows.forEach(q -> sent.put(q.run().runId(), new Queued(q.run(), true)));
                    lastAnswer = sent;
                    pending.clear();
                }
                answerOffset = offset;
                lastActivity = clock.instant();
            }
            rows.sort(Comparator.comparing((Queued q) -> q.run().updatedAt()));
            List<ObjectNode> messages = new ArrayList<>(rows.size() + 1);
            for (Queued q : rows) {
                messages.add(message(q.run(), q.update() ? "update" : "insert", poll.skipColumns));
                known.add(q.run().runId());
            }
            ObjectNode upToDate = json.createObjectNode();
            upToDate.putObject("headers").put("control", "up-to-date");
            messages.add(upToDate);
            Instant now = clock.instant();
            if (!snapshot) {
                rows.forEach(q -> metrics.shapeDelivered(Duration.between(q.run().updatedAt(), now)));
            }
            metrics.shapeAnswered(snapshot ? "snapshot" : rows.isEmpty() ? "timeout" : "changes");
            poll.ok(handle, answerOffset, json.writeValueAsBytes(messages));
            FeedSubscription current = subscription;
            if (drainSubscription && current != null) {
                // The subscription held versions back while this session was full; they can come now (from the
                // timer thread: this may run inside the subscription's own delivery).
                schedule(current::onWritable, Duration.ZERO);
            }
        }

        /** Ends a poll the client replaced with a newer one (it no longer reads it). */
        private void answerEmpty(Poll poll) {
            String current;
            synchronized (this) {
                current = offset;
            }
            if (current == null) {
                poll.unavailable();
            } else {
                poll.ok(handle, current, upToDateOnly());
            }
        }

        private void cancelTimers() {
            if (timeout != null) {
                timeout.cancel(false);
                timeout = null;
            }
            if (linger != null) {
                linger.cancel(false);
                linger = null;
            }
        }

        // ---- EventSink: the hub's side ----

        @Override
        public synchronized boolean ready() {
            boolean ready = !closed && (waiting != null || pending.size() < settings.sessionBuffer());
            if (!ready) {
                full = true;
            }
            return ready;
        }

        @Override
        public void open() {
            // Nothing to write up front: every answer is a whole response.
        }

        @Override
        public void send(String eventId, HydratedRun run, DeliveryPath path) {
            Poll answerable = null;
            synchronized (this) {
                if (closed) {
                    return;
                }
                long version = Long.parseLong(eventId);
                if (version > cursorMicros) {
                    cursorMicros = version;
                }
                boolean update = adopted || known.contains(run.runId());
                pending.put(run.runId(), new Queued(run, update));
                if (waiting != null && initialDone && linger == null) {
                    if (settings.linger().isZero()) {
                        answerable = waiting;
                    } else {
                        Poll poll = waiting;
                        // A wake usually delivers several runs back to back: one answer carries them all.
                        linger = schedule(() -> answer(poll, false, true), settings.linger());
                    }
                }
            }
            if (answerable != null) {
                answer(answerable, false, true);
            }
        }

        @Override
        public void initialStateRead() {
            Poll answerable = null;
            synchronized (this) {
                if (closed || initialDone) {
                    return;
                }
                initialDone = true;
                if (waiting != null && (offset == null || !pending.isEmpty())) {
                    answerable = waiting;
                }
            }
            if (answerable != null) {
                answer(answerable, false, true);
            }
        }

        @Override
        public void heartbeat() {
            // Polls end by themselves; an idle session is closed by the sweeper.
        }

        @Override
        public void flush() {
            // Answers are written whole.
        }

        @Override
        public void close() {
            Poll poll;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                poll = waiting;
                waiting = null;
                cancelTimers();
                pending.clear();
            }
            sessions.remove(handle, this);
            if (poll != null) {
                // The client's next poll resumes from this offset, here (adopted) or on another instance.
                answerEmpty(poll);
            }
        }

        private byte[] upToDateOnly() {
            ObjectNode upToDate = json.createObjectNode();
            upToDate.putObject("headers").put("control", "up-to-date");
            return json.writeValueAsBytes(List.of(upToDate));
        }
    }

    // ---- one HTTP request ---------------------------------------------------------------------------------

    /**
     * One poll's asynchronous response, written with non-blocking I/O whenever the answer is ready (so a slow
     * reader never blocks the thread that answers), answered at most once.
     */
    private final class Poll implements WriteListener, AsyncListener {
        private final AsyncContext async;
        private final String environmentId;
        final Set<String> skipColumns;
        private final ServletOutputStream out;
        private byte[] body;
        private int written;
        private boolean answered;
        private boolean finished;
        private boolean reserved;
        private volatile Runnable onDisconnect;

        Poll(AsyncContext async, String environmentId, Set<String> skipColumns) throws IOException {
            this.async = async;
            this.environmentId = environmentId;
            this.skipColumns = skipColumns;
            this.out = async.getResponse().getOutputStream();
            async.addListener(this);
            out.setWriteListener(this);
        }

        /** Counts this poll as held; false when the environment is at its cap. */
        synchronized boolean reserve() {
            AtomicInteger count = heldPerEnvironment.computeIfAbsent(environmentId, e -> new AtomicInteger());
            if (count.incrementAndGet() > settings.maxHeldPerEnvironment()) {
                count.decrementAndGet();
                return false;
            }
            held.incrementAndGet();
            reserved = true;
            return true;
        }

        synchronized void release() {
            if (reserved) {
                reserved = false;
                held.decrementAndGet();
                AtomicInteger count = heldPerEnvironment.get(environmentId);
                if (count != null && count.decrementAndGet() <= 0) {
                    heldPerEnvironment.remove(environmentId, count);
                }
            }
        }

        void onDisconnect(Runnable action) {
            this.onDisconnect = action;
        }

        void ok(String handle, String offset, byte[] payload) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put(HANDLE, handle);
            headers.put(OFFSET, offset);
            headers.put(SCHEMA, schemaHeader);
            headers.put(CURSOR, Long.toString(clock.millis() / 1000));
            headers.put(UP_TO_DATE, "true");
            respond(200, headers, payload);
        }

        /** 409 must-refetch: the client resets and asks for a snapshot with the new handle. */
        void refetch(String newHandle) {
            metrics.shapeAnswered("refetch");
            respond(409, Map.of(HANDLE, newHandle),
                    "[{\"headers\":{\"control\":\"must-refetch\"}}]".getBytes(StandardCharsets.UTF_8));
        }

        void tooMany() {
            metrics.shapeAnswered("rejected");
            respond(429, Map.of("Retry-After", Long.toString(Math.max(1, settings.retryAfter().toSeconds()))),
                    "{\"error\":\"Too many live realtime requests for this environment, retry shortly\"}"
                            .getBytes(StandardCharsets.UTF_8));
        }

        void unavailable() {
            metrics.shapeAnswered("unavailable");
            respond(503, Map.of("Retry-After", "1"),
                    "{\"error\":\"Realtime could not read the feed in time, retry shortly\"}"
                            .getBytes(StandardCharsets.UTF_8));
        }

        private void respond(int status, Map<String, String> headers, byte[] payload) {
            synchronized (this) {
                if (answered) {
                    return;
                }
                answered = true;
                try {
                    HttpServletResponse response = (HttpServletResponse) async.getResponse();
                    response.setStatus(status);
                    response.setContentType("application/json");
                    response.setHeader("Cache-Control", "no-store");
                    headers.forEach(response::setHeader);
                    response.setContentLength(payload.length);
                } catch (IllegalStateException gone) {
                    finished = true;
                }
                body = payload;
            }
            release();
            pump();
        }

        private void pump() {
            synchronized (this) {
                if (body == null || finished) {
                    return;
                }
                try {
                    while (written < body.length && out.isReady()) {
                        int n = Math.min(WRITE_CHUNK, body.length - written);
                        out.write(body, written, n);
                        written += n;
                    }
                    if (written == body.length && out.isReady()) {
                        finished = true;
                        async.complete();
                    }
                } catch (IOException | IllegalStateException e) {
                    finished = true;
                    completeQuietly();
                }
            }
        }

        private void completeQuietly() {
            try {
                async.complete();
            } catch (IllegalStateException alreadyDone) {
                // Completed by the container first.
            }
        }

        private void gone() {
            Runnable action = onDisconnect;
            boolean pendingAnswer;
            synchronized (this) {
                pendingAnswer = !answered;
                answered = true;
                finished = true;
            }
            if (pendingAnswer && action != null) {
                action.run();
            }
            release();
        }

        @Override
        public void onWritePossible() {
            pump();
        }

        @Override
        public void onError(Throwable t) {
            gone();
            completeQuietly();
        }

        @Override
        public void onComplete(AsyncEvent event) {
            gone();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            gone();
            completeQuietly();
        }

        @Override
        public void onError(AsyncEvent event) {
            gone();
            completeQuietly();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // Not restarted.
        }
    }

    static String shapeKey(String environmentId, String path, String... parameters) {
        return environmentId + "|" + path + "|" + String.join("|", Arrays.asList(parameters));
    }
}
