package dev.triggerapi.snapshot;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Wraps one real pool and counts what is taken from it: connections acquired, and connections currently
 * open (acquired and not yet closed). Lets a test prove which server a read used, and that nothing is held
 * while a read waits.
 */
final class CountingDataSource extends DelegatingDataSource {

    final AtomicInteger acquired = new AtomicInteger();
    final AtomicInteger open = new AtomicInteger();

    CountingDataSource(DataSource pool) {
        super(pool);
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection connection = super.getConnection();
        acquired.incrementAndGet();
        open.incrementAndGet();
        AtomicInteger closed = new AtomicInteger();
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && closed.getAndIncrement() == 0) {
                        open.decrementAndGet();
                    }
                    try {
                        return method.invoke(connection, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
