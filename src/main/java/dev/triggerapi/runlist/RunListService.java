package dev.triggerapi.runlist;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.triggerapi.clickhouse.ClickHouseException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.run.PublicRunFlags;
import dev.triggerapi.run.RunStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds runs-list pages from a {@link RunListStore}: asks for one row more than the page size to know whether
 * another page exists, and turns rows into the SDK's item shape. The store is ClickHouse when replication is on
 * and the replica otherwise; both order by (created_at, id), so the pages and cursors are the same either way,
 * which is also why a page falls back to the replica when ClickHouse cannot answer.
 */
final class RunListService {

    private static final Logger log = LoggerFactory.getLogger(RunListService.class);

    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final RunListStore store;
    private final RunListStore fallback;
    private final RunListNames names;

    /**
     * @param store    where pages are read
     * @param fallback where they are read when {@code store} is ClickHouse and it fails, or null
     * @param names    resolves version and region names to the ids the stores filter on
     */
    RunListService(RunListStore store, RunListStore fallback, RunListNames names) {
        this.store = store;
        this.fallback = fallback;
        this.names = names;
    }

    RunListStore store() {
        return store;
    }

    private List<RunListRow> find(RunListQuery query, boolean newestFirst, RunListCursor cursor, int limit) {
        if (query.matchesNothing()) {
            return List.of();
        }
        try {
            return store.find(query, newestFirst, cursor, limit);
        } catch (ClickHouseException e) {
            if (fallback == null) {
                throw e;
            }
            log.warn("Runs list: ClickHouse failed, answering from the {} instead: {}", fallback.name(), e.getMessage());
            return fallback.find(query, newestFirst, cursor, limit);
        }
    }

    RunListPage page(AuthenticatedEnvironment env, RunListQuery parsed) {
        RunListQuery query = names.resolve(parsed);
        int size = query.pageSize();
        RunListPage.Pagination pagination;
        List<RunListRow> page;
        RunListCursor followed = query.before() != null ? query.before() : query.after();
        int hop = followed == null ? 1 : followed.hop() + 1;
        if (query.before() == null) {
            List<RunListRow> rows = find(query, true, query.after(), size + 1);
            page = rows.subList(0, Math.min(size, rows.size()));
            String next = rows.size() > size ? page.get(page.size() - 1).cursor().atHop(hop).encode() : null;
            String previous = query.after() != null && !page.isEmpty() ? page.get(0).cursor().atHop(hop).encode() : null;
            pagination = new RunListPage.Pagination(next, previous);
        } else {
            List<RunListRow> rows = find(query, false, query.before(), size + 1);
            page = new ArrayList<>(rows.subList(0, Math.min(size, rows.size())));
            Collections.reverse(page);
            String previous = rows.size() > size ? page.get(0).cursor().atHop(hop).encode() : null;
            String next = !page.isEmpty() ? page.get(page.size() - 1).cursor().atHop(hop).encode() : null;
            pagination = new RunListPage.Pagination(next, previous);
        }
        RunListItem.Environment environment = new RunListItem.Environment(env.id(), env.slug());
        return new RunListPage(page.stream().map(row -> item(row, environment)).toList(), pagination);
    }

    static RunListItem item(RunListRow row, RunListItem.Environment env) {
        RunStatus status = RunStatus.valueOf(row.status());
        long durationMs = row.startedAtMicros() != null && row.completedAtMicros() != null
                ? Math.max(0, (row.completedAtMicros() - row.startedAtMicros()) / 1000) : 0;
        return new RunListItem(row.friendlyId(), status.publicStatus(), row.taskIdentifier(), row.idempotencyKey(),
                PublicRunFlags.of(status), row.test(),
                iso(row.createdAtMicros()), iso(row.updatedAtMicros()), iso(row.startedAtMicros()),
                iso(row.completedAtMicros()), iso(row.delayUntilMicros()), row.ttl(), iso(row.expiredAtMicros()),
                row.tags(), 0, 0, durationMs, env);
    }

    private static String iso(Long micros) {
        return micros == null ? null : ISO_MILLIS.format(Instant.EPOCH.plus(micros, ChronoUnit.MICROS));
    }
}
