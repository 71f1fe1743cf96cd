package dev.triggerapi.runlist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.triggerapi.api.ApiException;
import org.junit.jupiter.api.Test;

class RunListQueryParserTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private final RunListQueryParser parser = new RunListQueryParser(Clock.fixed(NOW, ZoneOffset.UTC));

    private RunListQuery parse(Map<String, List<String>> params) {
        return parser.parse("env1", params);
    }

    @Test
    void publicStatusesMapToEveryInternalStatusBehindThem() {
        RunListQuery q = parse(Map.of("filter[status]", List.of("QUEUED,completed", "FAILED")));
        assertThat(q.statuses()).containsExactlyInAnyOrder("QUEUED", "RETRYING_AFTER_FAILURE", "COMPLETED_SUCCESSFULLY",
                "COMPLETED_WITH_ERRORS");
    }

    @Test
    void commaJoinedAndRepeatedValuesAreSplitTrimmedAndDeduplicated() {
        RunListQuery q = parse(Map.of("filter[taskIdentifier]", List.of("a, b", "b,,c"), "filter[tag]", List.of("x")));
        assertThat(q.taskIdentifiers()).containsExactly("a", "b", "c");
        assertThat(q.tags()).containsExactly("x");
    }

    @Test
    void createdAtBoundsAreEpochMillisAndToIsInclusive() {
        RunListQuery q = parse(Map.of("filter[createdAt][from]", List.of("1735689600000"),
                "filter[createdAt][to]", List.of("1735776000000")));
        assertThat(q.createdFrom()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
        assertThat(q.createdBefore()).isEqualTo(Instant.parse("2025-01-02T00:00:00.001Z"));
    }

    @Test
    void periodCountsBackFromNow() {
        assertThat(parse(Map.of("filter[createdAt][period]", List.of("2h"))).createdFrom())
                .isEqualTo(Instant.parse("2025-06-01T10:00:00Z"));
        assertThat(parse(Map.of("filter[createdAt][period]", List.of("1w"))).createdFrom())
                .isEqualTo(Instant.parse("2025-05-25T12:00:00Z"));
        // The shared period grammar (duration.Durations): combinations and any letter case too.
        assertThat(parse(Map.of("filter[createdAt][period]", List.of("1H30m"))).createdFrom())
                .isEqualTo(Instant.parse("2025-06-01T10:30:00Z"));
    }

    @Test
    void everyFilterTheSdkSendsIsReadInItsSdkForm() {
        RunListQuery q = parse(Map.of("filter[version]", List.of("20250101.1,20250101.2"),
                "filter[batch]", List.of("batch_abc"), "filter[schedule]", List.of("sched_xyz"),
                "filter[bulkAction]", List.of("bulk_1"), "filter[queue]", List.of("task/email,shared"),
                "filter[machine]", List.of("small-1x,large-2x"), "filter[region]", List.of("eu-central-1")));
        assertThat(q.versions()).containsExactly("20250101.1", "20250101.2");
        // task_runs.batch_id holds either form, so both are matched.
        assertThat(q.batchIds()).containsExactlyInAnyOrder("abc", "batch_abc");
        assertThat(q.scheduleIds()).containsExactly("xyz");
        assertThat(q.bulkActions()).containsExactly("bulk_1");
        assertThat(q.queues()).containsExactly("task/email", "shared");
        assertThat(q.machines()).containsExactly("small-1x", "large-2x");
        assertThat(q.regions()).containsExactly("eu-central-1");
        assertThat(q.lockedToWorkerIds()).isNull();
        assertThat(q.matchesNothing()).as("no bulk actions exist here").isTrue();
    }

    @Test
    void versionAndRegionNamesThatResolveToNothingMatchNothing() {
        RunListQuery q = parse(Map.of("filter[version]", List.of("1.0"), "filter[region]", List.of("eu")));
        assertThat(q.matchesNothing()).isFalse();
        assertThat(q.withResolvedIds(Set.of("w1"), Set.of("g1")).matchesNothing()).isFalse();
        assertThat(q.withResolvedIds(Set.of(), Set.of("g1")).matchesNothing()).isTrue();
        assertThat(q.withResolvedIds(Set.of("w1"), Set.of()).matchesNothing()).isTrue();
    }

    @Test
    void defaultsAreTwentyFiveRunsAndNoFilters() {
        RunListQuery q = parse(Map.of());
        assertThat(q.pageSize()).isEqualTo(25);
        assertThat(q.statuses()).isEmpty();
        assertThat(q.isTest()).isNull();
        assertThat(q.after()).isNull();
    }

    @Test
    void cursorsRoundTrip() {
        RunListCursor cursor = new RunListCursor(1735689600123456L, "cabc123");
        assertThat(parse(Map.of("page[after]", List.of(cursor.encode()))).after()).isEqualTo(cursor);
        assertThat(parse(Map.of("page[before]", List.of(cursor.encode()))).before()).isEqualTo(cursor);
    }

    @Test
    void unusableParametersAreBadRequestsNamingTheParameter() {
        Map<Map<String, List<String>>, String> bad = Map.ofEntries(
                Map.entry(Map.of("filter[status]", List.of("RUNNING")), "filter[status]"),
                Map.entry(Map.of("filter[source]", List.of("CRON")), "filter[source]"),
                Map.entry(Map.of("filter[isTest]", List.of("yes")), "filter[isTest]"),
                Map.entry(Map.of("filter[createdAt][to]", List.of("-5")), "filter[createdAt][to]"),
                Map.entry(Map.of("filter[createdAt][period]", List.of("3 days")), "filter[createdAt][period]"),
                Map.entry(Map.of("filter[createdAt][period]", List.of("1d"), "filter[createdAt][from]", List.of("1")),
                        "cannot be combined"),
                Map.entry(Map.of("page[size]", List.of("0")), "page[size]"),
                Map.entry(Map.of("page[size]", List.of("5", "6")), "page[size] is given more than once"),
                Map.entry(Map.of("page[before]", List.of("cnVuXzE")), "page[before]"),
                Map.entry(Map.of("filter[env]", List.of("prod")), "filter[env] is not supported"),
                Map.entry(Map.of("filter[machine]", List.of("huge-9x")), "filter[machine] has an unknown machine 'huge-9x'"),
                Map.entry(Map.of("filter[batch]", List.of("batch_")), "filter[batch] must be an id"),
                Map.entry(Map.of("filter[schedule]", List.of("sched_")), "filter[schedule] must be an id"),
                Map.entry(Map.of("filter[version]", List.of("v".repeat(257))), "filter[version]"),
                Map.entry(Map.of("filter[region]", List.of("eu\0")), "filter[region]"),
                Map.entry(Map.of("filter[tag]", List.of("x".repeat(257))), "filter[tag]"));
        bad.forEach((params, message) -> assertThatThrownBy(() -> parse(params)).as("%s", params)
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status().value()).isEqualTo(400))
                .hasMessageContaining(message));
    }
}
