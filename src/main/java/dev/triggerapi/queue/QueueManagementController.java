package dev.triggerapi.queue;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * The SDK's {@code queues.*} calls (environment secret key). A queue is named by {@code type} ({@code id},
 * {@code task} or {@code custom}: the query parameter on GET, a body member on POST) and the path value; another
 * environment's queue is the same 404 as an unknown one.
 */
@RestController
@RequestMapping("/api/v1/queues")
class QueueManagementController {

    private static final int DEFAULT_PER_PAGE = 20;
    private static final int MAX_PER_PAGE = 100;
    private static final int MAX_PAGE = 1_000_000;

    private final QueueManagement queues;

    QueueManagementController(QueueManagement queues) {
        this.queues = queues;
    }

    @GetMapping
    QueueManagement.QueuePage list(AuthenticatedEnvironment environment,
                                   @RequestParam(required = false) String page,
                                   @RequestParam(required = false) String perPage) {
        return queues.list(environment.id(), bounded("page", page, 1, MAX_PAGE, 1),
                bounded("perPage", perPage, 1, MAX_PER_PAGE, DEFAULT_PER_PAGE));
    }

    @GetMapping("/{queue}")
    QueueItem retrieve(AuthenticatedEnvironment environment, @PathVariable String queue,
                       @RequestParam(required = false) String type) {
        return queues.retrieve(environment.id(), QueueLocator.of(type, queue))
                .orElseThrow(() -> ApiException.notFound("Queue not found"));
    }

    /** {@code {type, action: "pause" | "resume"}}. */
    @PostMapping("/{queue}/pause")
    QueueItem pause(AuthenticatedEnvironment environment, @PathVariable String queue,
                    @RequestBody(required = false) JsonNode body) {
        String action = text(body, "action");
        if (!"pause".equals(action) && !"resume".equals(action)) {
            throw ApiException.badRequest("action: expected \"pause\" or \"resume\"");
        }
        return queues.setPaused(environment.id(), locator(body, queue), "pause".equals(action));
    }

    /** {@code {type, concurrencyLimit}}: an integer from 0 (nothing runs) to 100,000. */
    @PostMapping("/{queue}/concurrency/override")
    QueueItem override(AuthenticatedEnvironment environment, @PathVariable String queue,
                       @RequestBody(required = false) JsonNode body) {
        JsonNode limit = body == null ? null : body.get("concurrencyLimit");
        if (limit == null || !limit.isIntegralNumber() || !limit.canConvertToInt() || limit.intValue() < 0
                || limit.intValue() > QueueManagement.MAX_CONCURRENCY_LIMIT) {
            throw ApiException.badRequest("concurrencyLimit: expected an integer from 0 to "
                    + QueueManagement.MAX_CONCURRENCY_LIMIT);
        }
        return queues.overrideConcurrencyLimit(environment.id(), locator(body, queue), limit.intValue());
    }

    /** {@code {type}}: back to the limit the worker declared. */
    @PostMapping("/{queue}/concurrency/reset")
    QueueItem reset(AuthenticatedEnvironment environment, @PathVariable String queue,
                    @RequestBody(required = false) JsonNode body) {
        return queues.resetConcurrencyLimit(environment.id(), locator(body, queue));
    }

    private static QueueLocator locator(JsonNode body, String queue) {
        return QueueLocator.of(text(body, "type"), queue);
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body == null ? null : body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw ApiException.badRequest(field + ": expected a string");
        }
        return value.stringValue();
    }

    private static int bounded(String name, String value, int min, int max, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below, like an out-of-range number
        }
        throw ApiException.badRequest(name + ": expected an integer from " + min + " to " + max);
    }
}
