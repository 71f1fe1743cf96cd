package dev.triggerapi.datasource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import javax.sql.DataSource;

import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.IntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The JDBC-only writer transactions of the trigger path against the real primary and replica: they run on the
 * writer, commit or roll back every statement together, join a transaction that is already active (of the JPA
 * manager too) instead of committing under it, translate a connection lost at commit like any JDBC error, and
 * {@code requireActive} refuses to run outside one.
 */
@IntegrationTest
class JdbcTransactionsTest {

    @Autowired
    JdbcTransactions transactions;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager jpaTransactions;
    @Autowired
    @Qualifier("writerDataSource")
    DataSource writerPool;

    @BeforeEach
    void probeTable() {
        jdbc.sql("CREATE TABLE IF NOT EXISTS jdbc_transactions_probe (id text PRIMARY KEY)").update();
    }

    private void insert(String id) {
        JdbcTransactions.requireActive();
        jdbc.sql("INSERT INTO jdbc_transactions_probe (id) VALUES (?)").param(id).update();
    }

    private boolean stored(String id) {
        return jdbc.sql("SELECT count(*) FROM jdbc_transactions_probe WHERE id = ?").param(id).query(Long.class)
                .single() == 1;
    }

    @Test
    void statementsRunOnTheWriterAndCommitTogether() {
        String first = Ids.newId();
        String second = Ids.newId();
        boolean onStandby = transactions.inWriterTransaction(() -> {
            insert(first);
            insert(second);
            return jdbc.sql("SELECT pg_is_in_recovery()").query(Boolean.class).single();
        });
        assertThat(onStandby).isFalse();
        assertThat(stored(first)).isTrue();
        assertThat(stored(second)).isTrue();
    }

    @Test
    void aFailureRollsBackEveryStatementOfTheTransaction() {
        String id = Ids.newId();
        assertThatThrownBy(() -> transactions.inWriterTransaction(() -> {
            insert(id);
            throw new IllegalStateException("the second statement failed");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(stored(id)).isFalse();
    }

    @Test
    void insideAnActiveTransactionItJoinsItAndCommitsNothingOfItsOwn() {
        String id = Ids.newId();
        TransactionTemplate outer = new TransactionTemplate(jpaTransactions);
        outer.executeWithoutResult(status -> {
            transactions.inWriterTransaction(() -> {
                insert(id);
                return null;
            });
            status.setRollbackOnly();
        });
        assertThat(stored(id)).as("rolled back with the outer transaction").isFalse();
    }

    @Test
    void aConnectionLostAtCommitIsADataAccessResourceFailureNotAnUntranslatedError() {
        // The API answers DataAccessResourceFailureException with a retryable 503; an untranslated
        // TransactionSystemException (what a plain DataSourceTransactionManager throws) would be a 500.
        JdbcClient otherConnection = JdbcClient.create(writerPool);
        String id = Ids.newId();
        assertThatThrownBy(() -> transactions.inWriterTransaction(() -> {
            insert(id);
            int pid = jdbc.sql("SELECT pg_backend_pid()").query(Integer.class).single();
            otherConnection.sql("SELECT pg_terminate_backend(?)").param(pid).query(Boolean.class).single();
            return null;
        })).isInstanceOf(DataAccessResourceFailureException.class);
        assertThat(stored(id)).isFalse();
    }

    @Test
    void requireActiveRefusesToRunOutsideATransaction() {
        assertThatThrownBy(JdbcTransactions::requireActive).isInstanceOf(IllegalTransactionStateException.class);
    }
}
