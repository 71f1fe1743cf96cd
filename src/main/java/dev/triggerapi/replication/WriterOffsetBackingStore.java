package dev.triggerapi.replication;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * Debezium's offsets, kept in the writer's {@code runs_replication_offsets} table (migration V4) so they are
 * durable and shared: whichever instance leads next resumes where the last leader's ClickHouse inserts ended.
 * Debezium itself decides what an offset means (it holds the LSN and whether the initial snapshot finished);
 * this store only persists the key/value bytes, the way Kafka Connect's file store does.
 *
 * <p>Instantiated by the Debezium engine by class name; the connection comes from the engine properties
 * {@value #URL}, {@value #USER} and {@value #PASSWORD}. Offsets are written only after the records they cover
 * were inserted into ClickHouse (the change handler marks them processed only then).
 */
public class WriterOffsetBackingStore extends MemoryOffsetBackingStore {

    /** JDBC URL of the writer. */
    public static final String URL = "offset.storage.writer.url";
    /** Writer user. */
    public static final String USER = "offset.storage.writer.user";
    /** Writer password. */
    public static final String PASSWORD = "offset.storage.writer.password";

    private String url;
    private String user;
    private String password;
    private Connection connection;

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Map<String, Object> originals = config.originals();
        this.url = (String) originals.get(URL);
        this.user = (String) originals.get(USER);
        this.password = (String) originals.getOrDefault(PASSWORD, "");
        if (url == null || url.isBlank()) {
            throw new ConnectException(URL + " is not set");
        }
    }

    @Override
    public synchronized void start() {
        super.start();
        try {
            load();
        } catch (SQLException e) {
            closeConnection();
            throw new ConnectException("Cannot read runs replication offsets from the writer: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void stop() {
        super.stop();
        closeConnection();
    }

    private void load() throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement("SELECT offset_key, offset_value FROM runs_replication_offsets");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                byte[] value = rs.getBytes(2);
                data.put(ByteBuffer.wrap(rs.getBytes(1)), value == null ? null : ByteBuffer.wrap(value));
            }
        }
    }

    /** Called by the parent, on its executor, after {@code data} took the new offsets. */
    @Override
    protected synchronized void save() {
        try {
            write();
        } catch (SQLException first) {
            // A writer restart or failover breaks the connection: one retry on a new one.
            closeConnection();
            try {
                write();
            } catch (SQLException e) {
                closeConnection();
                throw new ConnectException("Cannot store runs replication offsets on the writer: " + e.getMessage(), e);
            }
        }
    }

    private void write() throws SQLException {
        Connection c = connection();
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO runs_replication_offsets (offset_key, offset_value) VALUES (?, ?)
                ON CONFLICT (offset_key) DO UPDATE SET offset_value = EXCLUDED.offset_value, updated_at = clock_timestamp()""")) {
            for (Map.Entry<ByteBuffer, ByteBuffer> e : data.entrySet()) {
                ps.setBytes(1, bytes(e.getKey()));
                ps.setBytes(2, e.getValue() == null ? null : bytes(e.getValue()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        // Only Kafka Connect's REST API asks for this; the embedded engine never does.
        return Set.of();
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = DriverManager.getConnection(url, user, password);
            connection.setAutoCommit(true);
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
