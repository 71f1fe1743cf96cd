package dev.triggerapi.realtime;

import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Read-your-writes for whole-feed reads (a subscription's initial state), where no change record carries a
 * watermark to check rows against: the writer's WAL position is taken when the subscription starts, and the
 * replica is read only once it has replayed up to that position, so the initial state contains every write
 * committed before the subscription (later ones arrive as change records). Vanilla PostgreSQL streaming
 * replication only; where the positions are not available (Aurora readers, a replica that is not a standby,
 * an unreachable server) {@link #capture()} is empty or {@link #reached} true, and the time gate alone applies.
 */
interface ReplayFence {

    /** The writer's current WAL position, or empty when it cannot be known. */
    Optional<String> capture();

    /** Whether the replica has replayed up to {@code position} (true when the replica cannot say). */
    boolean reached(String position);

    /** No fence: reads are not behind anything (the writer is read) or positions are unavailable. */
    ReplayFence NONE = new ReplayFence() {
        @Override
        public Optional<String> capture() {
            return Optional.empty();
        }

        @Override
        public boolean reached(String position) {
            return true;
        }
    };

    /**
     * PostgreSQL: {@code pg_current_wal_insert_lsn()} on the writer, {@code pg_last_wal_replay_lsn()} on the
     * replica. The insert position, not {@code pg_current_wal_lsn()} (the write position): with
     * {@code synchronous_commit = off} a commit returns before its WAL is written, so the write position can be
     * behind commits that are already visible on the writer.
     */
    static ReplayFence postgres(JdbcTemplate writer, JdbcTemplate replica) {
        return new ReplayFence() {
            @Override
            public Optional<String> capture() {
                return Optional.ofNullable(writer.queryForObject("SELECT pg_current_wal_insert_lsn()::text", String.class));
            }

            @Override
            public boolean reached(String position) {
                Boolean reached = replica.queryForObject(
                        "SELECT coalesce(pg_last_wal_replay_lsn() >= CAST(? AS pg_lsn), NOT pg_is_in_recovery())",
                        Boolean.class, position);
                return !Boolean.FALSE.equals(reached);
            }
        };
    }
}
