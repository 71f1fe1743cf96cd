package dev.triggerapi.runlist;

import java.util.List;

/** Where the runs list is read from: ClickHouse when replication is on, the PostgreSQL replica otherwise. */
interface RunListStore {

    /**
     * Runs matching {@code query}'s filters, ordered by (created_at, id).
     *
     * @param newestFirst true: descending and strictly older than {@code cursor}; false: ascending and strictly
     *                    newer than {@code cursor}
     * @param cursor      position to continue from, or null for the start
     * @param limit       maximum rows
     */
    List<RunListRow> find(RunListQuery query, boolean newestFirst, RunListCursor cursor, int limit);

    /** For logs and health: {@code clickhouse} or {@code replica}. */
    String name();
}
