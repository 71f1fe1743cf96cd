package dev.triggerapi.deployment;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.duration.Durations;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/deployments} ({@code page[size]} 1–100, default 20; {@code page[after]}; {@code status},
 * {@code period}, {@code from}, {@code to}) and {@code GET /api/v1/deployments/current}, environment secret key.
 */
@RestController
@RequestMapping("/api/v1/deployments")
class DeploymentReadController {

    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;
    private static final int MAX_CURSOR_LENGTH = 128;
    private static final List<String> STATUSES = List.of("PENDING", "BUILDING", "DEPLOYING", "DEPLOYED", "FAILED",
            "CANCELED", "TIMED_OUT");

    private final DeploymentReads deployments;
    private final Clock clock;

    DeploymentReadController(DeploymentReads deployments, Clock clock) {
        this.deployments = deployments;
        this.clock = clock;
    }

    @GetMapping
    DeploymentReads.DeploymentPage list(AuthenticatedEnvironment environment,
                                        @RequestParam(name = "page[size]", required = false) String size,
                                        @RequestParam(name = "page[after]", required = false) String after,
                                        @RequestParam(required = false) String status,
                                        @RequestParam(required = false) String period,
                                        @RequestParam(required = false) String from,
                                        @RequestParam(required = false) String to) {
        int limit = limit(size);
        if (after != null && (after.isBlank() || after.length() > MAX_CURSOR_LENGTH)) {
            throw ApiException.badRequest("page[after]: expected a deployment id");
        }
        if (status != null && !STATUSES.contains(status)) {
            throw ApiException.badRequest("status: expected one of " + String.join(", ", STATUSES));
        }
        Instant since = date("from", from);
        if (period != null) {
            Instant periodStart = clock.instant().minus(Durations.parse(period)
                    .orElseThrow(() -> ApiException.badRequest("period: expected a duration such as 1d, 7d or 3h")));
            since = since == null || periodStart.isAfter(since) ? periodStart : since;
        }
        if (status != null && !status.equals("DEPLOYED")) {
            // Registration deploys at once: no deployment is ever in another status.
            return new DeploymentReads.DeploymentPage(List.of(), new DeploymentReads.DeploymentPage.Pagination(null));
        }
        return deployments.list(environment.id(), after, limit, since, date("to", to));
    }

    @GetMapping("/current")
    DeploymentReads.DeploymentItem current(AuthenticatedEnvironment environment) {
        return deployments.current(environment.id())
                .orElseThrow(() -> ApiException.notFound("No deployment has been promoted in this environment"));
    }

    private static int limit(String size) {
        if (size == null || size.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int parsed = Integer.parseInt(size.strip());
            if (parsed >= 1 && parsed <= MAX_LIMIT) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below, like an out-of-range number
        }
        throw ApiException.badRequest("page[size]: expected an integer from 1 to " + MAX_LIMIT);
    }

    private static Instant date(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + ": expected an ISO 8601 date with a zone");
        }
    }
}
