package dev.triggerapi.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;

/**
 * Counts the physical writer connections the <em>calling thread</em> takes while it is open: the application's
 * routing proxy gets a counting wrapper around its writer pool for the duration, so background work on other
 * threads (sweeps, publishing) does not blur the count. Read-only work routed to the replica is not counted.
 * Requests sent through {@code MockMvc} run on the calling thread, so their writer connections are counted too.
 *
 * <pre>try (WriterConnections writer = WriterConnections.count(dataSource)) { ...; writer.taken(); }</pre>
 */
public final class WriterConnections implements AutoCloseable {

    private final LazyConnectionDataSourceProxy routing;
    private final DataSource writer;
    private final Thread thread;
    private final AtomicInteger taken = new AtomicInteger();

    private WriterConnections(LazyConnectionDataSourceProxy routing, Thread thread) {
        this.routing = routing;
        this.thread = thread;
        this.writer = routing.getTargetDataSource();
        routing.setTargetDataSource(new DelegatingDataSource(writer) {
            @Override
            public Connection getConnection() throws SQLException {
                if (thread == null || Thread.currentThread() == thread) {
                    taken.incrementAndGet();
                }
                return super.getConnection();
            }
        });
    }

    /** Starts counting on the application's {@code @Primary} data source (the read/write routing proxy). */
    public static WriterConnections count(DataSource applicationDataSource) {
        return new WriterConnections((LazyConnectionDataSourceProxy) applicationDataSource, Thread.currentThread());
    }

    /** Like {@link #count}, but counts every thread (for benchmarks that run nothing else). */
    public static WriterConnections countAllThreads(DataSource applicationDataSource) {
        return new WriterConnections((LazyConnectionDataSourceProxy) applicationDataSource, null);
    }

    /** Writer connections counted since {@link #count}. */
    public int taken() {
        return taken.get();
    }

    @Override
    public void close() {
        routing.setTargetDataSource(writer);
    }
}
