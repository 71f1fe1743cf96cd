package dev.triggerapi.clickhouse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies the ClickHouse DDL ({@code src/main/resources/clickhouse/task_runs.sql}) to the configured database,
 * creating the database first. Every statement is idempotent, so this runs at every start and before every stream
 * (re)start: tables are created {@code IF NOT EXISTS}, and since ClickHouse 18.16 has no
 * {@code ADD COLUMN IF NOT EXISTS}, an {@code ALTER TABLE t ADD COLUMN c ...} runs only when {@code system.columns}
 * does not list the column yet.
 */
public final class ClickHouseSchema {

    static final String DDL_RESOURCE = "/clickhouse/task_runs.sql";
    private static final Pattern ADD_COLUMN =
            Pattern.compile("ALTER\\s+TABLE\\s+(\\w+)\\s+ADD\\s+COLUMN\\s+(\\w+)\\s", Pattern.CASE_INSENSITIVE);

    private final ClickHouseClient clickHouse;
    private final List<String> statements;

    public ClickHouseSchema(ClickHouseClient clickHouse) {
        this.clickHouse = clickHouse;
        this.statements = statements(read(DDL_RESOURCE));
    }

    /** Creates the database and the tables if missing, and adds the columns a table created earlier lacks. */
    public void apply() {
        clickHouse.executeWithoutDatabase("CREATE DATABASE IF NOT EXISTS " + clickHouse.database());
        for (String statement : statements) {
            Matcher addColumn = ADD_COLUMN.matcher(statement);
            if (!addColumn.lookingAt()) {
                clickHouse.execute(statement);
            } else if (!hasColumn(addColumn.group(1), addColumn.group(2))) {
                try {
                    clickHouse.execute(statement);
                } catch (ClickHouseException e) {
                    // Another instance starting at the same moment may have added it in between.
                    if (!hasColumn(addColumn.group(1), addColumn.group(2))) {
                        throw e;
                    }
                }
            }
        }
    }

    private boolean hasColumn(String table, String column) {
        return !clickHouse.select("SELECT name FROM system.columns WHERE database = "
                + ClickHouseSql.literal(clickHouse.database()) + " AND table = " + ClickHouseSql.literal(table)
                + " AND name = " + ClickHouseSql.literal(column)).isEmpty();
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
