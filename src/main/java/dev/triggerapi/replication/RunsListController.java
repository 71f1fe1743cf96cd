package dev.triggerapi.replication;

import java.time.Clock;

import dev.triggerapi.environment.AuthenticatedEnvironment;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/runs}: the environment's runs, newest first, filtered and paged as the official SDK's
 * {@code runs.list()} asks. Served from ClickHouse when replication is on, from the replica otherwise.
 */
@RestController
class RunsListController {

    private final RunsList runsList;
    private final RunListQueryParser parser;

    RunsListController(RunsList runsList, Clock clock) {
        this.runsList = runsList;
        this.parser = new RunListQueryParser(clock);
    }

    @GetMapping("/api/v1/runs")
    RunListPage list(AuthenticatedEnvironment env, @RequestParam MultiValueMap<String, String> params) {
        return runsList.page(env, parser.parse(env.id(), params));
    }
}
