package dev.triggerapi.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.triggerapi.local.LocalClickHouse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The HTTP adapter and the table definition against the real (local) ClickHouse: round trips, errors, literal
 * quoting, and the ReplacingMergeTree rules the replication relies on.
 */
class ClickHouseClientTest {

    private static ClickHouseClient clickHouse;

    @BeforeAll
    static void startClickHouse() {
        clickHouse = new ClickHouseClient(LocalClickHouse.shared().url(), "t_client_" + System.nanoTime(),
                Duration.ofSeconds(2), Duration.ofSeconds(30));
        ClickHouseSchema schema = new ClickHouseSchema(clickHouse);
        schema.apply();
        schema.apply();
    }

    private static Map<String, Object> row(String runId, String status, long version, boolean deleted) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("environment_id", "env-" + runId.charAt(0));
        row.put("created_at_us", 1735689600123456L);
        row.put("run_id", runId);
        row.put("friendly_id", "run_" + runId);
        row.put("task_identifier", "task");
        row.put("status", status);
        row.put("trigger_source", "STANDARD");
        row.put("queue", "task/task");
        row.put("tags", List.of("a", "b"));
        row.put("is_test", 0);
        row.put("attempt_count", 1);
        row.put("priority", 0);
        row.put("idempotency_key", null);
        row.put("concurrency_key", null);
        row.put("ttl", null);
        row.put("batch_id", null);
        row.put("machine", null);
        row.put("delay_until_us", null);
        row.put("queued_at_us", 1735689600123456L);
        row.put("started_at_us", null);
        row.put("completed_at_us", null);
        row.put("expired_at_us", null);
        row.put("updated_at_us", 1735689600123456L + version);
        row.put("_version", version);
        row.put("_is_deleted", deleted ? 1 : 0);
        return row;
    }

    private static List<JsonNode> finalRows(String runId) {
        return clickHouse.select("SELECT * FROM task_runs FINAL WHERE run_id = " + ClickHouseSql.literal(runId));
    }

    /** A table created by an earlier release gets the columns added since; applying again changes nothing. */
    @Test
    void aTableFromAnEarlierReleaseGetsTheAddedColumnsOnceAndKeepsItsRows() {
        ClickHouseClient old = new ClickHouseClient(LocalClickHouse.shared().url(), "t_old_" + System.nanoTime(),
                Duration.ofSeconds(2), Duration.ofSeconds(30));
        old.executeWithoutDatabase("CREATE DATABASE " + old.database());
        old.execute("""
                CREATE TABLE task_runs (environment_id String, created_at_us Int64, run_id String, status String,
                    priority Int32, _version UInt64, _is_deleted UInt8)
                ENGINE = ReplacingMergeTree(_version) ORDER BY (environment_id, created_at_us, run_id)""");
        old.execute("INSERT INTO task_runs VALUES ('e', 1, 'r1', 'QUEUED', 7, 1, 0)");
        try {
            ClickHouseSchema schema = new ClickHouseSchema(old);
            schema.apply();
            schema.apply();

            List<JsonNode> added = old.select("SELECT name FROM system.columns WHERE database = "
                    + ClickHouseSql.literal(old.database()) + " AND table = 'task_runs' AND name IN "
                    + "('locked_to_worker_id', 'worker_group_id', 'schedule_id', 'priority_ms') ORDER BY name");
            assertThat(added).extracting(n -> n.get("name").asString())
                    .containsExactly("locked_to_worker_id", "priority_ms", "schedule_id", "worker_group_id");
            List<JsonNode> rows = old.select("SELECT run_id, schedule_id, priority_ms FROM task_runs");
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0).get("schedule_id").isNull()).isTrue();
            // A row replicated in whole seconds reads its head start in milliseconds.
            assertThat(rows.get(0).get("priority_ms").asInt()).isEqualTo(7000);
        } finally {
            old.executeWithoutDatabase("DROP DATABASE IF EXISTS " + old.database());
        }
    }

    @Test
    void insertedRowsComeBackWithTypesIntact() {
        Map<String, Object> r = row("a1", "QUEUED", 7, false);
        r.put("idempotency_key", "key-1");
        clickHouse.insert("task_runs", List.of(r));

        JsonNode back = finalRows("a1").get(0);
        assertThat(back.get("created_at_us").isNumber()).isTrue();
        assertThat(back.get("created_at_us").asLong()).isEqualTo(1735689600123456L);
        assertThat(back.get("tags").get(1).asString()).isEqualTo("b");
        assertThat(back.get("idempotency_key").asString()).isEqualTo("key-1");
        assertThat(back.get("started_at_us").isNull()).isTrue();
        assertThat(clickHouse.select("SELECT created_at FROM task_runs WHERE run_id = 'a1'").get(0).get("created_at").asString())
                .isEqualTo("2025-01-01 00:00:00");
    }

    @Test
    void theHighestVersionWinsWhateverTheInsertOrder() {
        clickHouse.insert("task_runs", List.of(row("b1", "COMPLETED_SUCCESSFULLY", 30, false)));
        clickHouse.insert("task_runs", List.of(row("b1", "EXECUTING", 20, false)));
        clickHouse.insert("task_runs", List.of(row("b1", "QUEUED", 10, false)));

        assertThat(finalRows("b1")).singleElement().satisfies(r -> assertThat(r.get("status").asString())
                .isEqualTo("COMPLETED_SUCCESSFULLY"));
        clickHouse.execute("OPTIMIZE TABLE task_runs FINAL");
        assertThat(clickHouse.select("SELECT status FROM task_runs WHERE run_id = 'b1'")).singleElement()
                .satisfies(r -> assertThat(r.get("status").asString()).isEqualTo("COMPLETED_SUCCESSFULLY"));
    }

    @Test
    void aDeleteIsTheNewestVersionAndHidesTheRun() {
        clickHouse.insert("task_runs", List.of(row("c1", "QUEUED", 10, false)));
        clickHouse.insert("task_runs", List.of(row("c1", "QUEUED", 11, true)));

        assertThat(finalRows("c1")).singleElement().satisfies(r -> assertThat(r.get("_is_deleted").asInt()).isEqualTo(1));
        assertThat(clickHouse.select("SELECT count() AS n FROM task_runs FINAL WHERE run_id = 'c1' AND _is_deleted = 0")
                .get(0).get("n").asLong()).isZero();
    }

    @Test
    void literalsSurviveQuotesBackslashesAndNewlines() {
        String nasty = "it's a \\'trap\\' \n\t-- ; DROP TABLE task_runs";
        Map<String, Object> r = row("d1", "QUEUED", 1, false);
        r.put("task_identifier", nasty);
        r.put("tags", List.of(nasty, "plain"));
        clickHouse.insert("task_runs", List.of(r));

        assertThat(clickHouse.select("SELECT run_id FROM task_runs WHERE task_identifier = " + ClickHouseSql.literal(nasty)
                + " AND hasAny(tags, " + ClickHouseSql.array(List.of(nasty)) + ")")).hasSize(1);
        assertThat(clickHouse.select("SELECT " + ClickHouseSql.literal(nasty) + " AS v").get(0).get("v").asString())
                .isEqualTo(nasty);
    }

    @Test
    void serverErrorsCarryTheStatusAndClickHouseMessage() {
        assertThatThrownBy(() -> clickHouse.select("SELECT * FROM no_such_table"))
                .isInstanceOfSatisfying(ClickHouseException.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessageContaining("no_such_table");
        assertThatThrownBy(() -> clickHouse.select("SELEKT 1"))
                .isInstanceOfSatisfying(ClickHouseException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("Syntax error");
        Map<String, Object> wrong = new HashMap<>(row("e1", "QUEUED", 1, false));
        wrong.put("created_at_us", "not a number");
        assertThatThrownBy(() -> clickHouse.insert("task_runs", List.of(wrong)))
                .isInstanceOf(ClickHouseException.class);
    }

    @Test
    void anUnreachableServerIsAClickHouseExceptionWithoutStatus() {
        ClickHouseClient nowhere = new ClickHouseClient("http://127.0.0.1:9", "default", Duration.ofMillis(500),
                Duration.ofSeconds(1));
        assertThat(nowhere.ping()).isFalse();
        assertThatThrownBy(() -> nowhere.select("SELECT 1"))
                .isInstanceOfSatisfying(ClickHouseException.class, e -> assertThat(e.status()).isZero())
                .hasMessageContaining("unreachable");
        assertThat(clickHouse.ping()).isTrue();
    }

    @Test
    void ddlFileSplitsIntoItsStatements() {
        assertThat(ClickHouseSchema.statements("-- c\nCREATE TABLE a (x UInt8) ENGINE = Memory;\n\n-- d\nSELECT 1;\n"))
                .containsExactly("CREATE TABLE a (x UInt8) ENGINE = Memory", "SELECT 1");
    }
}
