package dev.triggerapi.realtime;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Vanilla PostgreSQL streaming replication. The replica itself can only say "0" for sure: it is not in
 * recovery (a promoted or plain server), or it has replayed everything it received. It cannot say how far
 * behind it is otherwise; {@code now() - pg_last_xact_replay_timestamp()} is deliberately not used because
 * on a quiet system it measures the time since the last write, not lag. When the writer is reachable its
 * {@code pg_stat_replication.replay_lag} (flush-to-replay time reported by the standby) gives a real
 * number, so that is asked next; without it the reading is "unknown".
 */
final class PostgresReplicaLagSource implements ReplicaLagSource {

    static final String REPLICA_STATE_SQL = """
            SELECT pg_is_in_recovery() AS in_recovery,
                   coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false) AS caught_up""";
    static final String WRITER_REPLAY_LAG_SQL =
            "SELECT (extract(epoch FROM max(replay_lag)) * 1000)::float8 FROM pg_stat_replication";

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
        if (!state.inRecovery() || state.caughtUp()) {
            return LagReading.of(Duration.ZERO);
        }
        Optional<Duration> replayLag;
        try {
            replayLag = writerReplayLag.get();
        } catch (RuntimeException writerUnavailable) {
            // No view of the writer (down, or no pg_monitor rights): the replica alone cannot tell.
            return LagReading.unknown();
        }
        return replayLag.map(LagReading::of).orElseGet(LagReading::unknown);
    }
}
