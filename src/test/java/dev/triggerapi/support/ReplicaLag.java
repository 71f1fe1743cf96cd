package dev.triggerapi.support;

import java.time.Duration;

import dev.triggerapi.ids.Ids;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Makes the real replica lag and waits until the lag is in force. The apply delay is changed with a config
 * reload, which the replica's startup process picks up asynchronously; a commit made right after the reload
 * could still be applied at once. Probing with a throw-away commit closes that gap.
 */
public final class ReplicaLag {

    private static final Duration PROBE_WAIT = Duration.ofMillis(100);

    private ReplicaLag() {
    }

    /** Sets the apply delay ({@code delay} must exceed 100 ms) and returns once new commits are delayed. */
    public static void behindBy(Duration delay, JdbcClient jdbc, PlatformTransactionManager transactions) {
        Cluster.replicaDelay(delay);
        TransactionTemplate replica = new TransactionTemplate(transactions);
        replica.setReadOnly(true);
        for (int attempt = 0; attempt < 50; attempt++) {
            String slug = "lag-probe-" + Ids.newId();
            jdbc.sql("INSERT INTO organizations (id, slug, title) VALUES (?, ?, 'lag probe')").params(Ids.newId(), slug)
                    .update();
            sleep(PROBE_WAIT);
            Boolean visible = replica.execute(s -> jdbc.sql("SELECT EXISTS (SELECT 1 FROM organizations WHERE slug = ?)")
                    .param(slug).query(Boolean.class).single());
            if (!Boolean.TRUE.equals(visible)) {
                return;
            }
        }
        throw new IllegalStateException("The replica never started to lag by " + delay);
    }

    /** Blocks until {@code query} (run on the replica) returns true. */
    public static void awaitOnReplica(PlatformTransactionManager transactions, java.util.function.BooleanSupplier query) {
        TransactionTemplate replica = new TransactionTemplate(transactions);
        replica.setReadOnly(true);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> Boolean.TRUE.equals(replica.execute(s -> query.getAsBoolean())));
    }

    /**
     * Blocks until the replica has replayed everything the writer had committed when this was called. The target is
     * the WAL <em>insert</em> position: the embedded primary runs {@code synchronous_commit = off}, so a commit can
     * return before its WAL is written, and the write position ({@code pg_current_wal_lsn()}) may still be short
     * of the commit record; a replica that passed it could still answer the old row.
     */
    public static void awaitCaughtUp(JdbcClient jdbc, PlatformTransactionManager transactions) {
        String writerLsn = jdbc.sql("SELECT pg_current_wal_insert_lsn()::text").query(String.class).single();
        awaitOnReplica(transactions, () -> Boolean.TRUE.equals(jdbc.sql(
                "SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn").param(writerLsn).query(Boolean.class).single()));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
