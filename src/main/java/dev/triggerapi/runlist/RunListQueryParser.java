package dev.triggerapi.runlist;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.duration.Durations;
import dev.triggerapi.run.RunStatus;

/**
 * Reads the query parameters of {@code GET /api/v1/runs} as the official SDK sends them ({@code filter[...]},
 * {@code page[...]}, several values joined with commas). Anything it cannot honour is a 400 with a message
 * naming the parameter: a filter silently ignored would return the wrong runs.
 */
final class RunListQueryParser {

    static final int DEFAULT_PAGE_SIZE = 25;
    static final int MAX_PAGE_SIZE = 100;
    private static final int MAX_VALUES = 50;
    private static final int MAX_VALUE_LENGTH = 256;
    private static final Set<String> PUBLIC_STATUSES = publicStatuses();
    private static final List<String> SOURCES = List.of("STANDARD", "SCHEDULED", "AGENT");
    /** The SDK's {@code MachinePresetName} (4.8.3). */
    private static final List<String> MACHINES = List.of("micro", "small-1x", "small-2x", "medium-1x", "medium-2x", "large-1x",
            "large-2x");
    private static final String BATCH_PREFIX = "batch_";
    private static final String SCHEDULE_PREFIX = "sched_";
    /** Every parameter the official SDK 4.8.3's {@code runs.list} sends, plus {@code filter[source]}. */
    static final List<String> SUPPORTED = List.of("filter[status]", "filter[taskIdentifier]", "filter[source]",
            "filter[tag]", "filter[createdAt][from]", "filter[createdAt][to]", "filter[createdAt][period]",
            "filter[isTest]", "filter[version]", "filter[batch]", "filter[schedule]", "filter[bulkAction]",
            "filter[queue]", "filter[machine]", "filter[region]", "page[size]", "page[after]", "page[before]");

    private final Clock clock;

    RunListQueryParser(Clock clock) {
        this.clock = clock;
    }

    RunListQuery parse(String environmentId, Map<String, List<String>> params) {
        for (String name : params.keySet()) {
            if ((name.startsWith("filter[") || name.startsWith("page[")) && !SUPPORTED.contains(name)) {
                throw ApiException.badRequest(name + " is not supported; supported parameters: " + String.join(", ", SUPPORTED));
            }
        }
        Set<String> statuses = new LinkedHashSet<>();
        for (String status : values(params, "filter[status]")) {
            String upper = status.toUpperCase(Locale.ROOT);
            if (!PUBLIC_STATUSES.contains(upper)) {
                throw ApiException.badRequest("filter[status] has an unknown status '" + status + "'; use one of "
                        + String.join(", ", PUBLIC_STATUSES));
            }
            for (RunStatus internal : RunStatus.values()) {
                if (internal.publicStatus().equals(upper)) {
                    statuses.add(internal.name());
                }
            }
        }
        List<String> sources = new ArrayList<>();
        for (String source : values(params, "filter[source]")) {
            String upper = source.toUpperCase(Locale.ROOT);
            if (!SOURCES.contains(upper)) {
                throw ApiException.badRequest("filter[source] has an unknown source '" + source + "'; use one of "
                        + String.join(", ", SOURCES));
            }
            sources.add(upper);
        }
        List<String> tasks = values(params, "filter[taskIdentifier]");
        List<String> tags = values(params, "filter[tag]");
        List<String> versions = values(params, "filter[version]");
        List<String> queues = values(params, "filter[queue]");
        List<String> regions = values(params, "filter[region]");
        List<String> bulkActions = values(params, "filter[bulkAction]");
        List<String> machines = values(params, "filter[machine]");
        for (String machine : machines) {
            if (!MACHINES.contains(machine)) {
                throw ApiException.badRequest("filter[machine] has an unknown machine '" + machine + "'; use one of "
                        + String.join(", ", MACHINES));
            }
        }
        // task_runs.batch_id holds the id with or without its prefix depending on the writer: match both forms.
        List<String> batchIds = new ArrayList<>();
        for (String batch : values(params, "filter[batch]")) {
            String bare = withoutPrefix(batch, BATCH_PREFIX, "filter[batch]");
            batchIds.add(bare);
            batchIds.add(BATCH_PREFIX + bare);
        }
        List<String> scheduleIds = new ArrayList<>();
        for (String schedule : values(params, "filter[schedule]")) {
            scheduleIds.add(withoutPrefix(schedule, SCHEDULE_PREFIX, "filter[schedule]"));
        }

        Instant from = epochMillis(params, "filter[createdAt][from]");
        Instant to = epochMillis(params, "filter[createdAt][to]");
        String period = single(params, "filter[createdAt][period]");
        if (period != null) {
            if (from != null) {
                throw ApiException.badRequest("filter[createdAt][period] and filter[createdAt][from] cannot be combined");
            }
            from = clock.instant().minus(period(period));
        }
        if (from != null && to != null && from.isAfter(to)) {
            throw ApiException.badRequest("filter[createdAt][from] is after filter[createdAt][to]");
        }
        // "to" is inclusive at the millisecond the SDK sends; stores compare "strictly before".
        Instant createdBefore = to == null ? null : to.plusMillis(1);

        Boolean isTest = null;
        String test = single(params, "filter[isTest]");
        if (test != null) {
            if (!test.equals("true") && !test.equals("false")) {
                throw ApiException.badRequest("filter[isTest] must be true or false, not '" + test + "'");
            }
            isTest = Boolean.valueOf(test);
        }

        int size = DEFAULT_PAGE_SIZE;
        String sizeParam = single(params, "page[size]");
        if (sizeParam != null) {
            try {
                size = Integer.parseInt(sizeParam);
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1 || size > MAX_PAGE_SIZE) {
                throw ApiException.badRequest("page[size] must be a whole number from 1 to " + MAX_PAGE_SIZE + ", not '"
                        + sizeParam + "'");
            }
        }
        String afterParam = single(params, "page[after]");
        String beforeParam = single(params, "page[before]");
        RunListCursor after = afterParam == null ? null : RunListCursor.decode("page[after]", afterParam);
        RunListCursor before = beforeParam == null ? null : RunListCursor.decode("page[before]", beforeParam);
        if (after != null && before != null) {
            // The SDK keeps the cursor it followed last and adds the new one: the newer hop is the step asked for.
            if (after.hop() == before.hop()) {
                throw ApiException.badRequest("page[after] and page[before] cannot be combined: pass the "
                        + "pagination.next or pagination.previous value of the page you are on");
            }
            if (after.hop() > before.hop()) {
                before = null;
            } else {
                after = null;
            }
        }
        return new RunListQuery(environmentId, statuses, tasks, sources, tags, from, createdBefore, isTest, versions,
                List.copyOf(batchIds), List.copyOf(scheduleIds), bulkActions, queues, machines, regions, null, null,
                size, after, before);
    }

    /** All values of a parameter, repeated or comma-joined, trimmed, empty ones dropped. */
    private static List<String> values(Map<String, List<String>> params, String name) {
        List<String> raw = params.getOrDefault(name, List.of());
        List<String> out = new ArrayList<>();
        for (String value : raw) {
            Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(out::add);
        }
        if (out.size() > MAX_VALUES) {
            throw ApiException.badRequest(name + " takes at most " + MAX_VALUES + " values");
        }
        for (String value : out) {
            if (value.length() > MAX_VALUE_LENGTH) {
                throw ApiException.badRequest(name + " values are at most " + MAX_VALUE_LENGTH + " characters");
            }
            if (value.indexOf('\0') >= 0) {
                throw ApiException.badRequest(name + " values must not contain NUL characters");
            }
        }
        return List.copyOf(new LinkedHashSet<>(out));
    }

    /** An id as the SDK sends it ({@code batch_…}) or bare, without its prefix; a bare prefix is a 400. */
    private static String withoutPrefix(String id, String prefix, String param) {
        String bare = id.startsWith(prefix) ? id.substring(prefix.length()) : id;
        if (bare.isEmpty()) {
            throw ApiException.badRequest(param + " must be an id such as " + prefix + "abc123, not '" + id + "'");
        }
        return bare;
    }

    private static String single(Map<String, List<String>> params, String name) {
        List<String> raw = params.get(name);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        if (raw.size() > 1) {
            throw ApiException.badRequest(name + " is given more than once");
        }
        String value = raw.get(0).strip();
        return value.isEmpty() ? null : value;
    }

    private static Instant epochMillis(Map<String, List<String>> params, String name) {
        String value = single(params, name);
        if (value == null) {
            return null;
        }
        if (!value.matches("\\d{1,15}")) {
            throw ApiException.badRequest(name + " must be a time in epoch milliseconds (e.g. 1735689600000), not '"
                    + value + "'");
        }
        return Instant.ofEpochMilli(Long.parseLong(value));
    }

    private static Duration period(String value) {
        return Durations.parsePeriod(value).orElseThrow(() -> ApiException.badRequest(
                "filter[createdAt][period] must look like 30m, 12h, 7d or 2w (at most 100 years), not '" + value + "'"));
    }

    private static Set<String> publicStatuses() {
        Set<String> out = new TreeSet<>();
        for (RunStatus status : RunStatus.values()) {
            out.add(status.publicStatus());
        }
        return out;
    }
}
