package dev.triggerapi.replication;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies the ClickHouse DDL ({@code src/main/resources/clickhouse/task_runs.sql}) to the configured database,
 * creating the database first. Every statement is idempotent ({@code IF NOT EXISTS}), so this runs at every
 * start and before every stream (re)start.
 */
final class ClickHouseSchema {

    static final String DDL_RESOURCE = "/clickhouse/task_runs.sql";

    private final ClickHouseClient clickHouse;
    private final List<String> statements;

    ClickHouseSchema(ClickHouseClient clickHouse) {
        this.clickHouse = clickHouse;
        this.statements = statements(read(DDL_RESOURCE));
    }

    /** Creates the database and the tables if missing. */
    void apply() {
        clickHouse.executeWithoutDatabase("CREATE DATABASE IF NOT EXISTS " + clickHouse.database());
        for (String statement : statements) {
            clickHouse.execute(statement);
        }
    }

    /** The file's statements: {@code --} comment lines dropped, split at each {@code ;} ending a line. */
    static List<String> statements(String script) {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                result.add(current.toString().strip().replaceAll(";$", ""));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            result.add(current.toString().strip());
        }
        return result;
    }

    private static String read(String resource) {
        try (InputStream in = ClickHouseSchema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Missing ClickHouse DDL " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
