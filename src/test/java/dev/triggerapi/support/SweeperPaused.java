package dev.triggerapi.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import dev.triggerapi.run.SweeperPause;

/**
 * Holds the run sweeper's cluster-wide pause ({@link SweeperPause}) until closed. Taking it waits for every sweep
 * already in flight, on any instance, to commit; while it is held no sweep runs.
 */
public final class SweeperPaused implements AutoCloseable {

    private final Connection connection;

    private SweeperPaused(Connection connection) {
        this.connection = connection;
    }

    /** Takes the pause on a writer connection of its own. */
    public static SweeperPaused take(DataSource writer) throws SQLException {
        Connection connection = writer.getConnection();
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(" + SweeperPause.LOCK_KEY + ")");
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return new SweeperPaused(connection);
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = connection; Statement statement = c.createStatement()) {
            statement.execute("SELECT pg_advisory_unlock(" + SweeperPause.LOCK_KEY + ")");
        }
    }
}
