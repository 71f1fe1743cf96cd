package dev.triggerapi.realtime;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Aurora PostgreSQL reports each reader's lag in {@code aurora_replica_status()}. The function exists only on
 * Aurora, and calling it elsewhere is an error that would poison the connection's transaction, so its existence
 * is probed once (a definite answer is cached forever; a failed probe is retried on the next sample) and the
 * function is never called blindly.
 */
final class AuroraReplicaLagSource implements ReplicaLagSource {

    static final String PROBE_SQL = "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'aurora_replica_status')";
    static final String LAG_SQL = "SELECT max(replica_lag_in_msec) FROM aurora_replica_status() "
            + "WHERE session_id <> 'MASTER_SESSION_ID'";

    private final BooleanSupplier probe;
    private final Supplier<Optional<Duration>> lag;
    private volatile Boolean aurora;

    AuroraReplicaLagSource(BooleanSupplier probe, Supplier<Optional<Duration>> lag) {
        this.probe = probe;
        this.lag = lag;
    }

    static AuroraReplicaLagSource on(JdbcTemplate replica) {
        return new AuroraReplicaLagSource(
                () -> Boolean.TRUE.equals(replica.queryForObject(PROBE_SQL, Boolean.class)),
                () -> Optional.ofNullable(replica.queryForObject(LAG_SQL, Double.class))
                        .map(ms -> Duration.ofNanos(Math.round(ms * 1_000_000d))));
    }

    @Override
    public String name() {
        return "aurora";
    }

    @Override
    public LagReading read() {
        Boolean isAurora = aurora;
        if (isAurora == null) {
            isAurora = probe.getAsBoolean();
            aurora = isAurora;
        }
        if (!isAurora) {
            return LagReading.unsupported();
        }
        return lag.get().map(LagReading::of).orElseGet(LagReading::unknown);
    }
}
