package dev.triggerapi.realtime;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.api.JsonErrorWriter;
import dev.triggerapi.api.RequestDataErrors;
import dev.triggerapi.duration.Durations;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The realtime endpoints, in two wire formats over one engine ({@link RunFeedHub}): the shape-stream protocol
 * ({@link ShapeStreamProtocol}, what the official SDK's {@code runs.subscribeTo*} and React hooks speak) by
 * default, and server-sent events for a request that accepts {@code text/event-stream} (a browser's
 * {@code EventSource}).
 *
 * <ul>
 *   <li>{@code GET /realtime/v1/runs/{runId}}: one run</li>
 *   <li>{@code GET /realtime/v1/runs?tags=a,b&createdAfter=...}: the environment's runs having all tags
 *       ({@code createdAfter}: ISO-8601 instant, epoch milliseconds, or a period such as {@code 2h} / {@code 7d};
 *       default 24 h)</li>
 *   <li>{@code GET /realtime/v1/batches/{batchId}}: the runs of a batch</li>
 * </ul>
 * Each event is the run's full current state with an {@code id}; a reconnect sending {@code Last-Event-ID} gets
 * what changed since. Validation and access errors are answered as JSON before the stream starts.
 */
@RestController
class RealtimeController {

    static final String OUT_OF_SCOPE = "This public access token does not grant access to this resource";

    private static final int MAX_TAGS = 10;
    private static final int MAX_TAG_LENGTH = 256;
    /**
     * Times a client may name ({@code createdAfter}, {@code Last-Event-ID}): from the epoch to the end of year
     * 9999. Outside PostgreSQL's range they would fail the feed's queries after the stream had started, so they
     * are refused (a {@code createdAfter} before the epoch is clamped to it) before it starts.
     */
    private static final Instant EARLIEST = Instant.EPOCH;
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    private static final Logger log = LoggerFactory.getLogger(RealtimeController.class);
    /** The SSE view's field carrying a shape-stream column, for the columns {@link RunView} has. */
    private static final Map<String, String> SSE_FIELDS = Map.of("metadata", "metadata", "output", "output",
            "outputType", "outputType", "error", "error", "runTags", "tags", "startedAt", "startedAt",
            "completedAt", "finishedAt");

    private final RunFeedHub hub;
    private final ShapeStreamProtocol shapes;
    private final RunViewReader reader;
    private final RealtimeProperties settings;
    private final Clock clock;
    private final JsonErrorWriter errors;
    private final JsonMapper json;

    RealtimeController(RunFeedHub hub, ShapeStreamProtocol shapes, RunViewReader reader, RealtimeProperties settings,
                       Clock clock, JsonErrorWriter errors, JsonMapper json) {
        this.hub = hub;
        this.shapes = shapes;
        this.reader = reader;
        this.settings = settings;
        this.clock = clock;
        this.errors = errors;
        this.json = json;
    }

    /**
     * Errors before the stream starts are JSON whatever the client accepts ({@code EventSource} sends
     * {@code Accept: text/event-stream}, which the shared handler's content negotiation would refuse).
     */
    @ExceptionHandler(Exception.class)
    void error(Exception e, HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.isAsyncStarted()) {
            log.warn("Realtime stream failed after it started: {}", e.toString());
            request.getAsyncContext().complete();
            return;
        }
        if (e instanceof ApiException api) {
            api.headers().forEach(response::setHeader);
            errors.write(response, api.status(), api.getMessage());
        } else if (RequestDataErrors.describe(e).isPresent()) {
            errors.write(response, HttpStatus.BAD_REQUEST, RequestDataErrors.describe(e).get());
        } else if (e instanceof DataAccessException) {
            log.warn("Realtime subscription failed, database unavailable: {}", e.getMessage());
            response.setHeader(HttpHeaders.RETRY_AFTER, "1");
            errors.write(response, HttpStatus.SERVICE_UNAVAILABLE, "Service temporarily unavailable, retry shortly");
        } else {
            log.error("Realtime subscription failed", e);
            errors.write(response, HttpStatus.INTERNAL_SERVER_ERROR, "Internal server error");
        }
    }

    @GetMapping("/realtime/v1/runs/{runId}")
    void run(@PathVariable String runId, @RequestHeader(value = "Last-Event-ID", required = false) String lastEventId,
             HttpServletRequest request, HttpServletResponse response) throws IOException {
        RealtimeAccess access = RealtimeAccess.of(request);
        boolean sse = wantsEventStream(request);
        Instant resume = sse ? lastEventId(lastEventId) : null;
        ShapeStreamProtocol.Request shape = sse ? null : ShapeStreamProtocol.Request.from(request, access);
        HydratedRun run = reader.findByFriendlyId(access.environmentId(), runId).orElse(null);
        if (run == null) {
            // A scoped token learns nothing about runs outside its scope, not even whether they exist.
            throw access.isFull() ? ApiException.notFound("Run not found") : forbidden();
        }
        if (!access.canReadRun(run.view().id(), run.batchId(), run.tags())) {
            throw forbidden();
        }
        FeedSpec spec = new FeedSpec.OneRun(access.environmentId(), run.runId());
        if (sse) {
            stream(spec, resume, access, request, response);
        } else {
            shapes.serve(spec, ShapeStreamProtocol.shapeKey(access.environmentId(), "run", run.runId()), shape,
                    request, response);
        }
    }

    @GetMapping("/realtime/v1/runs")
    void runs(@RequestParam(required = false) String tags, @RequestParam(required = false) String createdAfter,
              @RequestParam(required = false) String createdAt,
              @RequestHeader(value = "Last-Event-ID", required = false) String lastEventId,
              HttpServletRequest request, HttpServletResponse response) throws IOException {
        RealtimeAccess access = RealtimeAccess.of(request);
        boolean sse = wantsEventStream(request);
        List<String> tagList = tags(tags);
        if (createdAfter != null && createdAt != null) {
            throw ApiException.badRequest("createdAt and createdAfter cannot be combined");
        }
        // The SDK's subscribeToRunsWithTag sends createdAt (a period such as 1h); createdAfter is the older name.
        String since = createdAt != null ? createdAt : createdAfter;
        Instant after = createdAfter(since);
        Instant resume = sse ? lastEventId(lastEventId) : null;
        ShapeStreamProtocol.Request shape = sse ? null : ShapeStreamProtocol.Request.from(request, access);
        if (!access.canReadTagFeed(tagList)) {
            throw forbidden();
        }
        FeedSpec spec = new FeedSpec.Tagged(access.environmentId(), tagList, after);
        if (sse) {
            stream(spec, resume, access, request, response);
        } else {
            shapes.serve(spec, ShapeStreamProtocol.shapeKey(access.environmentId(), "tags", String.join(",", tagList),
                    since == null ? "" : since.strip()), shape, request, response);
        }
    }

    /**
     * The tag filter, validated like the runs list validates {@code filter[tag]}: a present but empty list, NUL or
     * other control characters, overlong tags and too many tags are refused before any query.
     */
    private static List<String> tags(String tags) {
        if (tags == null) {
            return List.of();
        }
        List<String> list = Arrays.stream(tags.split(",")).map(String::strip).filter(t -> !t.isEmpty()).distinct()
                .toList();
        if (list.isEmpty()) {
            throw ApiException.badRequest("tags must name at least one tag (omit it to follow every run)");
        }
        if (list.size() > MAX_TAGS) {
            throw ApiException.badRequest("At most " + MAX_TAGS + " tags can be filtered on");
        }
        for (String tag : list) {
            if (tag.length() > MAX_TAG_LENGTH) {
                throw ApiException.badRequest("tags are at most " + MAX_TAG_LENGTH + " characters");
            }
            if (tag.chars().anyMatch(Character::isISOControl)) {
                throw ApiException.badRequest("tags must not contain NUL or other control characters");
            }
        }
        return list;
    }

    /** {@code EventSource} asks for {@code text/event-stream}; everything else (the SDK) gets the shape protocol. */
    private static boolean wantsEventStream(HttpServletRequest request) {
        var accept = request.getHeaders(HttpHeaders.ACCEPT);
        while (accept != null && accept.hasMoreElements()) {
            if (accept.nextElement().toLowerCase(Locale.ROOT).contains("text/event-stream")) {
                return true;
            }
        }
        return false;
    }

    @GetMapping("/realtime/v1/batches/{batchId}")
    void batch(@PathVariable String batchId, @RequestHeader(value = "Last-Event-ID", required = false) String lastEventId,
               HttpServletRequest request, HttpServletResponse response) throws IOException {
        RealtimeAccess access = RealtimeAccess.of(request);
        boolean sse = wantsEventStream(request);
        Instant resume = sse ? lastEventId(lastEventId) : null;
        ShapeStreamProtocol.Request shape = sse ? null : ShapeStreamProtocol.Request.from(request, access);
        if (!access.canReadBatch(batchId)) {
            throw forbidden();
        }
        if (!reader.batchExists(access.environmentId(), BatchIds.forms(batchId))) {
            // Like a run: another environment's batch is "not found", never an empty stream that confirms the id.
            throw access.isFull() ? ApiException.notFound("Batch not found") : forbidden();
        }
        FeedSpec spec = new FeedSpec.Batch(access.environmentId(), BatchIds.forms(batchId));
        if (sse) {
            stream(spec, resume, access, request, response);
        } else {
            shapes.serve(spec, ShapeStreamProtocol.shapeKey(access.environmentId(), "batch",
                    String.join(",", new java.util.TreeSet<>(BatchIds.forms(batchId)))), shape, request, response);
        }
    }

    /** Switches the response to an SSE stream fed by the hub. */
    private void stream(FeedSpec spec, Instant resumeCursor, RealtimeAccess access, HttpServletRequest request,
                        HttpServletResponse response) throws IOException {
        UnaryOperator<byte[]> render = hiddenFromEventStream(access.skipColumns());
        if (!hub.isRunning()) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "Realtime is shutting down, reconnect shortly");
        }
        // Multi-run feeds re-send a short overlap before the resume point: changes in flight at the disconnect
        // may carry versions just below it. A one-run feed's cursor is that run's version: exact.
        Instant floor = resumeCursor == null || spec.singleRun() ? resumeCursor
                : resumeCursor.minus(settings.feed().resumeOverlap());
        response.setStatus(HttpStatus.OK.value());
        response.setContentType("text/event-stream;charset=UTF-8");
        response.setHeader("Cache-Control", "no-cache, no-transform");
        response.setHeader("X-Accel-Buffering", "no");
        AsyncContext async = request.startAsync(request, response);
        Duration maxDuration = settings.feed().maxStreamDuration();
        async.setTimeout(maxDuration.isZero() || maxDuration.isNegative() ? 0 : maxDuration.toMillis());
        ServletEventSink sink = new ServletEventSink(async, render);
        FeedSubscription subscription = hub.subscribe(spec, sink, floor);
        sink.attach(subscription);
    }

    /**
     * A token's {@code realtime.skipColumns} hides the same data from an {@code EventSource} client as from the
     * SDK: otherwise asking for {@code text/event-stream} would show what the token hides. Columns name the shape
     * stream's row; the SSE view's fields that carry them are left out of each event.
     */
    private UnaryOperator<byte[]> hiddenFromEventStream(Set<String> skipColumns) {
        Set<String> fields = new LinkedHashSet<>();
        for (String column : skipColumns) {
            if (!ShapeStreamProtocol.isColumn(column)) {
                throw ApiException.badRequest("the token's realtime.skipColumns: unknown column '" + column + "'");
            }
            String field = SSE_FIELDS.get(column);
            if (field != null) {
                fields.add(field);
            }
        }
        if (fields.isEmpty()) {
            return UnaryOperator.identity();
        }
        return runJson -> {
            ObjectNode view = (ObjectNode) json.readTree(runJson);
            view.remove(fields);
            return json.writeValueAsBytes(view);
        };
    }

    private static Instant lastEventId(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return inRange(RunChangeRecord.Versions.instant(Long.parseLong(value.trim())), "Invalid Last-Event-ID");
        } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
            throw ApiException.badRequest("Invalid Last-Event-ID");
        }
    }

    private Instant createdAfter(String value) {
        Instant now = clock.instant();
        if (value == null || value.isBlank()) {
            return now.minus(settings.feed().tagFeedDefaultWindow());
        }
        String v = value.trim();
        // A bare number is epoch milliseconds here, so only unit strings count as periods.
        Optional<Duration> period = Durations.parsePeriod(v);
        if (period.isPresent()) {
            return createdAfterInRange(now.minus(period.get()));
        }
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return createdAfterInRange(Instant.ofEpochMilli(Long.parseLong(v)));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Invalid createdAfter");
            }
        }
        try {
            return createdAfterInRange(Instant.parse(v));
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("Invalid createdAfter: use an ISO-8601 instant, epoch milliseconds or a period "
                    + "like 2h (at most 100 years)");
        }
    }

    private static Instant inRange(Instant instant, String message) {
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw ApiException.badRequest(message + ": out of range");
        }
        return instant;
    }

    /** "Created after" a time before the epoch means every run: clamped rather than refused. */
    private static Instant createdAfterInRange(Instant instant) {
        return inRange(instant.isBefore(EARLIEST) ? EARLIEST : instant, "Invalid createdAfter");
    }

    /**
     * A genuine public token asking for something outside its scopes: 401 like any unusable credential, with the same
     * body whether or not the resource exists, so a token cannot probe for ids.
     */
    private static ApiException forbidden() {
        return new ApiException(HttpStatus.UNAUTHORIZED, OUT_OF_SCOPE);
    }
}
