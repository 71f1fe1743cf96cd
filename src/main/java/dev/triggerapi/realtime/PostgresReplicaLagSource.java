package dev.triggerapi.realtime;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Vanilla PostgreSQL streaming replication.
 *
 * <p>The replica alone can only say "0" for sure: it is not in recovery (a promoted or plain server), or it
 * has replayed everything it received. Otherwise it cannot tell how far behind it is;
 * {@code now() - pg_last_xact_replay_timestamp()} is deliberately not used because on a quiet system it
 * measures the time since the last write, not lag.
 *
 * <p>When the writer is reachable, its {@code pg_stat_replication.replay_lag} (flush on the primary to replay
 * on the standby, as the standby reported it) is a real measurement and is preferred, even while the replica
 * is caught up: "caught up right now" says nothing about how long the next commit will take to apply (an
 * apply delay, a busy standby), whereas the last measured replay lag does. Housekeeping WAL replays in ~0 ms
 * while commits wait for the apply delay, so single readings jump between the two; the estimator's window
 * maximum keeps the commit lag.
 */
final class PostgresReplicaLagSource implements ReplicaLagSource {

    static final String REPLICA_STATE_SQL = """
            SELECT pg_is_in_recovery() AS in_recovery,
                   coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false) AS caught_up""";
    /**
     * Physical standbys only: a logical-replication walsender (change-data capture such as the runs replication,
     * which acknowledges lazily) is connected to a database, a physical one is not; its lag says nothing about
     * the read replica and would hold every gate at its cap.
     */
    static final String PHYSICAL_WALSENDERS =
            "pg_stat_replication r JOIN pg_stat_activity a ON a.pid = r.pid WHERE a.datname IS NULL";
    static final String WRITER_REPLAY_LAG_SQL =
            "SELECT (extract(epoch FROM max(r.replay_lag)) * 1000)::float8 FROM " + PHYSICAL_WALSENDERS;

    /**
     * @param inRecovery whether the replica is a standby in recovery
     * @param caughtUp   whether it has replayed all WAL it received
     */
    record ReplicaState(boolean inRecovery, boolean caughtUp) {
    }

    private final Supplier<ReplicaState> replica;
    private final Supplier<Optional<Duration>> writerReplayLag;

    PostgresReplicaLagSource(Supplier<ReplicaState> replica, Supplier<Optional<Duration>> writerReplayLag) {
        this.replica = replica;
        this.writerReplayLag = writerReplayLag;
    }

    static PostgresReplicaLagSource on(JdbcTemplate replica, JdbcTemplate writer) {
        return new PostgresReplicaLagSource(
                () -> replica.queryForObject(REPLICA_STATE_SQL,
                        (rs, n) -> new ReplicaState(rs.getBoolean("in_recovery"), rs.getBoolean("caught_up"))),
                () -> Optional.ofNullable(writer.queryForObject(WRITER_REPLAY_LAG_SQL, Double.class))
                        .map(ms -> Duration.ofNanos(Math.round(ms * 1_000_000d))));
    }

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public LagReading read() {
        ReplicaState state = replica.get();
        if (!state.inRecovery()) {
            return LagReading.of(Duration.ZERO);
        }
        try {
            Optional<Duration> replayLag = writerReplayLag.get();
            if (replayLag.isPresent()) {
                return LagReading.of(replayLag.get());
            }
        } catch (RuntimeException writerUnavailable) {
            // No view of the writer (down, or no pg_monitor rights): fall back to what the replica can say.
        }
        return state.caughtUp() ? LagReading.of(Duration.ZERO) : LagReading.unknown();
    }
}
