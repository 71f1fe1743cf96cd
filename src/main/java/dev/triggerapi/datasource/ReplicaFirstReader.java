package dev.triggerapi.datasource;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The writer fallback, in one place. Two rules:
 * <ol>
 *   <li><b>A replica miss is never final by itself</b>: read on the replica, and when it has no row re-check on
 *       the writer before anyone answers "not found" — the replica may simply not have applied the commit yet.</li>
 *   <li><b>A lost replica connection is not the client's problem</b>: a read-only unit of work that fails
 *       because the replica connection broke (the replica stopped, restarted or dropped us: SQLState class
 *       {@code 08}, {@code 57P01..03}, an I/O error) is run once more on the writer, in the same request. The
 *       failure opens the {@link ReplicaCircuitBreaker}, so the following reads go to the writer until the
 *       replica's probe succeeds, and is counted in {@code datasource.replica.fallback{reason="connection_lost"}}.
 *       Any other replica error (a timeout, a conflict with recovery, a bad statement) is not the writer's to
 *       absorb and propagates.</li>
 * </ol>
 * The replica read runs in its own read-only transaction (routed to the replica by the
 * {@code LazyConnectionDataSourceProxy}); the writer read runs in a separate read-write transaction, after the
 * replica connection has been returned. Readers that hold their own replica {@code DataSource} (the
 * snapshots-since poll) apply rule 2 through {@link #replicaConnectionLost(RuntimeException)}.
 */
@Component
public class ReplicaFirstReader {

    private static final Logger log = LoggerFactory.getLogger(ReplicaFirstReader.class);

    /** admin_shutdown, crash_shutdown, cannot_connect_now: the server ended or refused the session. */
    private static final Set<String> SERVER_GONE_STATES = Set.of("57P01", "57P02", "57P03");

    private final TransactionTemplate replica;
    private final TransactionTemplate writer;
    private final ReplicaCircuitBreaker breaker;
    private final Counter connectionLost;

    public ReplicaFirstReader(PlatformTransactionManager transactionManager, ReplicaCircuitBreaker breaker,
                              MeterRegistry meters) {
        this.replica = new TransactionTemplate(transactionManager);
        this.replica.setReadOnly(true);
        this.replica.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.writer = new TransactionTemplate(transactionManager);
        this.writer.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.breaker = breaker;
        this.connectionLost = Counter.builder("datasource.replica.fallback").tag("reason", "connection_lost")
                .description("Read-only connections served by the writer because the replica is down").register(meters);
    }

    /**
     * Runs {@code query} on the replica, then on the writer if the replica found nothing (or its connection was
     * lost).
     *
     * @param query a lookup using the application's {@code DataSource} / repositories
     * @return the value and where it was found
     */
    public <T> Result<T> read(Supplier<Optional<T>> query) {
        Optional<T> fromReplica = onReplicaOrNull(query);
        if (fromReplica != null && fromReplica.isPresent()) {
            return new Result<>(fromReplica, ReadSource.REPLICA);
        }
        Optional<T> fromWriter = writer.execute(status -> query.get());
        if (fromWriter != null && fromWriter.isPresent()) {
            return new Result<>(fromWriter, ReadSource.WRITER);
        }
        return new Result<>(Optional.empty(), ReadSource.NONE);
    }

    /** Runs {@code query} on the writer only (for checks that must not see a stale view). */
    public <T> T onWriter(Supplier<T> query) {
        return writer.execute(status -> query.get());
    }

    /** Runs {@code query} on the replica only; on the writer once if the replica connection is lost. */
    public <T> T onReplica(Supplier<T> query) {
        try {
            return replica.execute(status -> query.get());
        } catch (RuntimeException e) {
            if (!replicaConnectionLost(e)) {
                throw e;
            }
        }
        return writer.execute(status -> query.get());
    }

    private <T> Optional<T> onReplicaOrNull(Supplier<Optional<T>> query) {
        try {
            return replica.execute(status -> query.get());
        } catch (RuntimeException e) {
            if (!replicaConnectionLost(e)) {
                throw e;
            }
            return null;
        }
    }

    /**
     * Decides whether a failed replica read may be run again on the writer, and if so records it: opens the
     * replica breaker and counts {@code connection_lost}. True for any connection-level failure, whatever the
     * breaker says now: the probe may have opened it while this read was still running on the replica. (Had the
     * read already been lent a writer connection, the one retry on the writer costs one more attempt.)
     *
     * @param replicaFailure what the replica read threw
     * @return true when the caller should run the read once more on the writer
     */
    public boolean replicaConnectionLost(RuntimeException replicaFailure) {
        if (!isConnectionFailure(replicaFailure)) {
            return false;
        }
        connectionLost.increment();
        if (breaker.recordFailure("connection lost during a read: " + replicaFailure.getMessage())) {
            log.warn("Replica connection lost during a read ({}): this read and those that follow use the writer "
                    + "until the replica answers its probe again", replicaFailure.toString());
        }
        return true;
    }

    /** True when {@code failure} (or a cause) says the connection to the server broke or could not be made. */
    static boolean isConnectionFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof SQLTransientConnectionException || cause instanceof IOException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || SERVER_GONE_STATES.contains(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param value  the value, empty on a genuine miss
     * @param source where it was found
     */
    public record Result<T>(Optional<T> value, ReadSource source) {
    }
}
