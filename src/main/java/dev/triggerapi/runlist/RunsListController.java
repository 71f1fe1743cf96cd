package dev.triggerapi.runlist;

import java.time.Clock;

import dev.triggerapi.environment.AuthenticatedEnvironment;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/runs}: the environment's runs, newest first, filtered and paged as the official SDK's
 * {@code runs.list()} asks. Served from ClickHouse when replication is on, from the replica otherwise.
 *
 * <p>The parameters are read as one map (the SDK's {@code filter[...]} names are not Java names), so they are
 * listed for the OpenAPI description here; a test checks the list against {@link RunListQueryParser}'s.
 */
@RestController
class RunsListController {

    private final RunListService runsList;
    private final RunListQueryParser parser;

    RunsListController(RunListService runsList, Clock clock) {
        this.runsList = runsList;
        this.parser = new RunListQueryParser(clock);
    }

    @Operation(summary = "List runs (runs.list)", description = "Newest first. Several values of a filter are "
            + "comma-separated (any of them matches); different filters must all match. An unknown parameter or "
            + "value is a 400.", parameters = {
                @Parameter(name = "filter[status]", in = ParameterIn.QUERY, description = "Public statuses, e.g. COMPLETED,FAILED"),
                @Parameter(name = "filter[taskIdentifier]", in = ParameterIn.QUERY, description = "Task identifiers"),
                @Parameter(name = "filter[source]", in = ParameterIn.QUERY, description = "STANDARD, SCHEDULED or AGENT"),
                @Parameter(name = "filter[tag]", in = ParameterIn.QUERY, description = "Runs with any of these tags"),
                @Parameter(name = "filter[createdAt][from]", in = ParameterIn.QUERY, description = "Created at or after (epoch milliseconds)"),
                @Parameter(name = "filter[createdAt][to]", in = ParameterIn.QUERY, description = "Created at or before (epoch milliseconds)"),
                @Parameter(name = "filter[createdAt][period]", in = ParameterIn.QUERY, description = "Created within the last period: 30m, 12h, 7d, 2w (not with from)"),
                @Parameter(name = "filter[isTest]", in = ParameterIn.QUERY, description = "true or false"),
                @Parameter(name = "filter[version]", in = ParameterIn.QUERY, description = "Worker versions the runs are locked to, e.g. 20250101.1"),
                @Parameter(name = "filter[batch]", in = ParameterIn.QUERY, description = "Batch id (batch_…)"),
                @Parameter(name = "filter[schedule]", in = ParameterIn.QUERY, description = "Schedule id (sched_…) that fired the runs"),
                @Parameter(name = "filter[bulkAction]", in = ParameterIn.QUERY, description = "Bulk action id; this service has no bulk actions, so nothing matches"),
                @Parameter(name = "filter[queue]", in = ParameterIn.QUERY, description = "Queue names; task/<taskId> for a task's own queue"),
                @Parameter(name = "filter[machine]", in = ParameterIn.QUERY, description = "Machine presets: micro, small-1x, small-2x, medium-1x, medium-2x, large-1x, large-2x"),
                @Parameter(name = "filter[region]", in = ParameterIn.QUERY, description = "Worker group names (the region whose runner ran the run)"),
                @Parameter(name = "page[size]", in = ParameterIn.QUERY, description = "1 to 100, default 25"),
                @Parameter(name = "page[after]", in = ParameterIn.QUERY, description = "pagination.next of the previous page"),
                @Parameter(name = "page[before]", in = ParameterIn.QUERY, description = "pagination.previous of the previous page")
            })
    @GetMapping("/api/v1/runs")
    RunListPage list(AuthenticatedEnvironment env,
                     @Parameter(hidden = true) @RequestParam MultiValueMap<String, String> params) {
        return runsList.page(env, parser.parse(env.id(), params));
    }
}
