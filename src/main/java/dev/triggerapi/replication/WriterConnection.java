package dev.triggerapi.replication;

import java.util.Properties;

import org.postgresql.Driver;

/**
 * Where the writer is, as Debezium needs it (host, port, database) next to the JDBC URL the offset store uses.
 *
 * @param jdbcUrl  the writer's JDBC URL ({@code spring.datasource.url})
 * @param host     first host of the URL
 * @param port     its port
 * @param database database name
 * @param user     user
 * @param password password (may be empty)
 */
record WriterConnection(String jdbcUrl, String host, int port, String database, String user, String password) {

    /** Parses a {@code jdbc:postgresql:} URL with the driver's own parser. */
    static WriterConnection parse(String jdbcUrl, String user, String password) {
        Properties parsed = Driver.parseURL(jdbcUrl, new Properties());
        if (parsed == null) {
            throw new IllegalStateException("spring.datasource.url (DATABASE_URL) is not a jdbc:postgresql: URL: " + jdbcUrl);
        }
        // Logical replication talks to one server: the first host of a multi-host URL (the writer).
        String host = parsed.getProperty("PGHOST", "localhost").split(",")[0];
        int port = Integer.parseInt(parsed.getProperty("PGPORT", "5432").split(",")[0]);
        String effectiveUser = user != null && !user.isBlank() ? user : parsed.getProperty("user", "postgres");
        String effectivePassword = password != null ? password : parsed.getProperty("password", "");
        return new WriterConnection(jdbcUrl, host, port, parsed.getProperty("PGDBNAME"), effectiveUser, effectivePassword);
    }
}
