package dev.triggerapi.datasource;

import java.util.Optional;
import java.util.function.Supplier;

import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The writer fallback, in one place: read on the replica, and when the replica has no row re-check on the
 * writer before anyone answers "not found". A replica miss is never final by itself because the replica
 * may simply not have applied the commit yet.
 *
 * <p>The replica read runs in its own read-only transaction (routed to the replica by the
 * {@code LazyConnectionDataSourceProxy}); the re-check runs in a separate read-write transaction on the
 * writer, after the replica connection has been returned.
 */
@Component
public class ReplicaFirstReader {

    private final TransactionTemplate replica;
    private final TransactionTemplate writer;

    public ReplicaFirstReader(PlatformTransactionManager transactionManager) {
        this.replica = new TransactionTemplate(transactionManager);
        this.replica.setReadOnly(true);
        this.replica.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.writer = new TransactionTemplate(transactionManager);
        this.writer.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /**
     * Runs {@code query} on the replica, then on the writer if the replica found nothing.
     *
     * @param query a lookup using the application's {@code DataSource} / repositories
     * @return the value and where it was found
     */
    public <T> Result<T> read(Supplier<Optional<T>> query) {
        Optional<T> fromReplica = replica.execute(status -> query.get());
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

    /** Runs {@code query} on the replica only. */
    public <T> T onReplica(Supplier<T> query) {
        return replica.execute(status -> query.get());
    }

    /**
     * @param value  the value, empty on a genuine miss
     * @param source where it was found
     */
    public record Result<T>(Optional<T> value, ReadSource source) {
    }
}
