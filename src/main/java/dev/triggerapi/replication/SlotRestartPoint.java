package dev.triggerapi.replication;

import java.sql.SQLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Keeps the replication slot's restart point close to the position the stream has confirmed, so that a stream start
 * decodes little WAL it has already delivered.
 *
 * <p>A walsender always begins decoding at the slot's {@code restart_lsn}, not at the position the client asks for. That
 * point moves only when the walsender decodes a record of the running transactions, and PostgreSQL logs one every
 * 15 s (the background writer) or at a checkpoint: under a steady write rate it trails the confirmed position by
 * 15-30 s of WAL. Every stream start pays for it twice, because Debezium opens the stream once to find where to resume
 * and again from there (BENCHMARKS.md, issue 13, "Eighth data point": 0.5-1.2 s of a walsender at full speed per
 * opening). While this instance leads, the replicator asks for such a record every interval
 * ({@code pg_log_standby_snapshot()}, PostgreSQL 16+), only when WAL was written since the last one, so an idle
 * database gets no WAL from it.
 *
 * <p>The function needs a superuser or {@code GRANT EXECUTE ON FUNCTION pg_log_standby_snapshot() TO <user>}. Without
 * either (or before PostgreSQL 16) this says so once and stops asking: the stream is correct without it, only its starts
 * are slower.
 */
final class SlotRestartPoint {

    private static final Logger log = LoggerFactory.getLogger(SlotRestartPoint.class);
    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final String UNDEFINED_FUNCTION = "42883";

    private final JdbcClient writer;
    /** The WAL insert position right after the last record this logged; null before the first. */
    private String loggedUpTo;
    private volatile boolean unavailable;

    SlotRestartPoint(JdbcClient writer) {
        this.writer = writer;
    }

    /**
     * Logs the running transactions when WAL was written since the last call. Runs on the replicator's control thread.
     *
     * @return true if a record was logged
     */
    boolean advance() {
        if (unavailable) {
            return false;
        }
        try {
            String now = writer.sql("SELECT pg_current_wal_insert_lsn()::text").query(String.class).single();
            if (now.equals(loggedUpTo)) {
                return false;
            }
            // The select list is evaluated in order: the second position is the one right after the record.
            loggedUpTo = writer.sql("SELECT pg_log_standby_snapshot()::text AS logged, pg_current_wal_insert_lsn()::text AS after")
                    .query((rs, row) -> rs.getString("after")).single();
            return true;
        } catch (DataAccessException e) {
            String state = sqlState(e);
            if (INSUFFICIENT_PRIVILEGE.equals(state) || UNDEFINED_FUNCTION.equals(state)) {
                unavailable = true;
                log.warn("The replication slot's restart point follows PostgreSQL's own pace (every 15 s), so stream starts "
                        + "re-decode more WAL: {}. With PostgreSQL 16+, GRANT EXECUTE ON FUNCTION pg_log_standby_snapshot() "
                        + "to the database user lets the replicator move it every second.", e.getMostSpecificCause().getMessage());
            } else {
                log.debug("Logging the running transactions failed, retrying at the next interval: {}", e.getMessage());
            }
            return false;
        }
    }

    /** Whether the database refused the function (no privilege, or PostgreSQL before 16). */
    boolean unavailable() {
        return unavailable;
    }

    private static String sqlState(DataAccessException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }
}
