package dev.triggerapi.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Checks, on the writer, what logical replication of {@code task_runs} needs, before anything streams:
 * {@code wal_level = logical}; the publication exists, covers the table with every column the runs list reads
 * (migration V15 narrows it to exactly those) and publishes inserts, updates and deletes; the table's replica
 * identity makes a delete carry the ClickHouse sorting key (an identity index over those columns, migration V13, or
 * FULL); an existing slot of that name uses {@code pgoutput}.
 * Every problem becomes a {@link ReplicationSetupException} entry with the SQL that fixes it.
 */
final class ReplicationSetupValidator {

    static final String TABLE = "task_runs";

    /** The replica identity index of migration V13. */
    static final String IDENTITY_INDEX = "task_runs_replica_identity";

    /** The PostgreSQL columns behind ClickHouse's sorting key, which a delete's old image must hold. */
    static final List<String> SORTING_KEY_COLUMNS = List.of("id", "runtime_environment_id", "created_at");

    // SQL is the point: it reads PostgreSQL's catalogs (wal_level, replica identity, publication, slot).
    private final JdbcClient writer;

    ReplicationSetupValidator(JdbcClient writer) {
        this.writer = writer;
    }

    /** The schema holding {@code task_runs} (Debezium names tables schema-qualified). */
    String tableSchema() {
        return writer.sql("""
                        SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE c.oid = to_regclass(?)""")
                .param(TABLE).query(String.class).optional()
                .orElseThrow(() -> new IllegalStateException("Table " + TABLE + " does not exist; are migrations applied?"));
    }

    /** Throws {@link ReplicationSetupException} listing every problem; returns quietly when all is well. */
    void validate(String publication, String slot) {
        List<ReplicationSetupException.Problem> problems = new ArrayList<>();
        String schema = tableSchema();
        String table = quoteIdent(schema) + "." + quoteIdent(TABLE);

        String walLevel = writer.sql("SELECT current_setting('wal_level')").query(String.class).single();
        if (!"logical".equals(walLevel)) {
            problems.add(new ReplicationSetupException.Problem(
                    "wal_level is '" + walLevel + "', logical replication needs 'logical' (a restart is needed after the change)",
                    "ALTER SYSTEM SET wal_level = logical;  -- then restart PostgreSQL"));
        }

        Optional<Map<String, Object>> pub = writer.sql(
                        "SELECT pubinsert, pubupdate, pubdelete, puballtables FROM pg_publication WHERE pubname = ?")
                .param(publication).query().listOfRows().stream().findFirst();
        if (pub.isEmpty()) {
            problems.add(new ReplicationSetupException.Problem(
                    "publication " + publication + " does not exist",
                    "CREATE PUBLICATION " + quoteIdent(publication) + " FOR TABLE " + table
                            + " WITH (publish = 'insert, update, delete');"));
        } else {
            // attnames: the columns the publication sends (all of them without a column list, PostgreSQL 15+).
            Optional<List<String>> published = writer.sql("""
                            SELECT array_to_string(attnames, ',') FROM pg_publication_tables
                            WHERE pubname = ? AND schemaname = ? AND tablename = ?""")
                    .params(publication, schema, TABLE).query(String.class).optional()
                    .map(names -> List.of(names.split(",")));
            if (published.isEmpty()) {
                problems.add(new ReplicationSetupException.Problem(
                        "publication " + publication + " does not include " + table,
                        "ALTER PUBLICATION " + quoteIdent(publication) + " ADD TABLE " + table + ";"));
            } else if (!published.get().containsAll(ClickHouseRunRows.SOURCE_COLUMNS)) {
                List<String> missing = ClickHouseRunRows.SOURCE_COLUMNS.stream()
                        .filter(column -> !published.get().contains(column)).toList();
                problems.add(new ReplicationSetupException.Problem(
                        "publication " + publication + "'s column list for " + table + " lacks " + String.join(", ", missing)
                                + ", which the runs list replicates",
                        "ALTER PUBLICATION " + quoteIdent(publication) + " SET TABLE " + table + " ("
                                + String.join(", ", ClickHouseRunRows.SOURCE_COLUMNS) + ");"));
            }
            Map<String, Object> row = pub.get();
            if (!Boolean.TRUE.equals(row.get("pubinsert")) || !Boolean.TRUE.equals(row.get("pubupdate"))
                    || !Boolean.TRUE.equals(row.get("pubdelete"))) {
                problems.add(new ReplicationSetupException.Problem(
                        "publication " + publication + " does not publish all of insert, update and delete",
                        "ALTER PUBLICATION " + quoteIdent(publication) + " SET (publish = 'insert, update, delete');"));
            }
        }

        String identity = writer.sql("SELECT relreplident::text FROM pg_class WHERE oid = to_regclass(?)")
                .param(schema + "." + TABLE).query(String.class).single();
        if (!"f".equals(identity) && !("i".equals(identity) && identityIndexCoversSortingKey(schema))) {
            problems.add(new ReplicationSetupException.Problem(
                    table + " has replica identity " + identityName(identity) + "; a delete must carry the run's "
                            + "ClickHouse sorting key (" + String.join(", ", SORTING_KEY_COLUMNS) + ")",
                    "CREATE UNIQUE INDEX IF NOT EXISTS " + IDENTITY_INDEX + " ON " + table + " ("
                            + String.join(", ", SORTING_KEY_COLUMNS) + "); ALTER TABLE " + table
                            + " REPLICA IDENTITY USING INDEX " + IDENTITY_INDEX + ";"));
        }

        writer.sql("SELECT plugin FROM pg_replication_slots WHERE slot_name = ?").param(slot)
                .query(String.class).optional()
                .filter(plugin -> !"pgoutput".equals(plugin))
                .ifPresent(plugin -> problems.add(new ReplicationSetupException.Problem(
                        "replication slot " + slot + " exists but uses plugin " + plugin + ", not pgoutput",
                        "SELECT pg_drop_replication_slot('" + slot + "');  -- it is recreated with pgoutput")));

        if (!problems.isEmpty()) {
            throw new ReplicationSetupException(problems);
        }
    }

    /** The table's replica identity index holds every sorting-key column (so deletes carry them). */
    private boolean identityIndexCoversSortingKey(String schema) {
        List<String> columns = writer.sql("""
                        SELECT a.attname FROM pg_index i
                        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                        WHERE i.indrelid = to_regclass(?) AND i.indisreplident""")
                .param(schema + "." + TABLE).query(String.class).list();
        return columns.containsAll(SORTING_KEY_COLUMNS);
    }

    private static String identityName(String code) {
        return switch (code) {
            case "d" -> "DEFAULT";
            case "n" -> "NOTHING";
            case "i" -> "USING INDEX";
            default -> code;
        };
    }

    /** Quotes an identifier only when it needs it, so the usual names read naturally in the fix SQL. */
    static String quoteIdent(String name) {
        return name.matches("[a-z_][a-z0-9_]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
