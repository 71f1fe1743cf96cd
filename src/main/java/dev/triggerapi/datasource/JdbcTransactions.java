package dev.triggerapi.datasource;

import java.util.function.Supplier;

import javax.sql.DataSource;

import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writer transactions for work that is plain JDBC ({@code JdbcClient}) from start to end, such as creating a run
 * and its first snapshot on the trigger path.
 *
 * <p>{@code @Transactional} goes through the application's {@code JpaTransactionManager}, which opens a Hibernate
 * session for every transaction whether or not an entity is touched: 9 % of the JVM's CPU per HTTP trigger in the
 * profile (BENCHMARKS.md, issue 22). A {@link JdbcTransactionManager} on the same routing {@code DataSource}
 * gives the same connection handling (the lazy proxy routes a read-write transaction to the writer), the same
 * synchronizations ({@code @TransactionalEventListener} after commit) and none of the session. Its commit and
 * rollback failures are translated like any other JDBC error (a connection lost at commit is a
 * {@code DataAccessResourceFailureException}, a 503), where the plain {@code DataSourceTransactionManager} would
 * throw an untranslated {@code TransactionSystemException} (a 500). It is not a bean:
 * a second transaction manager in the context would switch off Boot's JPA one.
 *
 * <p>Inside a transaction that is already active (a batch, a schedule firing, a test) the work joins it instead:
 * the manager must not begin or commit on a connection another manager owns.
 */
@Component
public class JdbcTransactions {

    private final TransactionTemplate writer;

    public JdbcTransactions(DataSource dataSource) {
        this.writer = new TransactionTemplate(new JdbcTransactionManager(dataSource));
    }

    /** Runs {@code work} in a read-write transaction on the writer, or in the caller's transaction if one is active. */
    public <T> T inWriterTransaction(Supplier<T> work) {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            return work.get();
        }
        return writer.execute(status -> work.get());
    }

    /**
     * Fails unless a transaction of either manager is active on this thread: for methods whose statements must
     * commit or roll back with their caller's. ({@code @Transactional(propagation = MANDATORY)} would ask only the
     * JPA manager, which does not see a transaction begun here.)
     */
    public static void requireActive() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalTransactionStateException("Must run inside the caller's transaction, and none is active");
        }
    }
}
