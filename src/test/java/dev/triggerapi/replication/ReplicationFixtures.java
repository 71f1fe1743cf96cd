package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.clickhouse.ClickHouseSql;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.deployment.TriggerSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Test helpers: extra replicators on their own slot and ClickHouse database (so a test can break, stop or
 * contend for a stream without touching the context's own), runs, and the "ClickHouse equals PostgreSQL"
 * comparison.
 */
public final class ReplicationFixtures {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final ApplicationContext context;
    private final JdbcClient writer;

    public ReplicationFixtures(ApplicationContext context) {
        this.context = context;
        this.writer = JdbcClient.create(context.getBean("writerDataSource", HikariDataSource.class));
    }

    public JdbcClient writer() {
        return writer;
    }

    /** Settings for an independent stream: a fresh slot and ClickHouse database, short lock timings. */
    RunReplicationProperties isolatedSettings(String name) {
        String unique = name + "_" + COUNTER.incrementAndGet() + "_" + Long.toString(System.nanoTime() % 1_000_000, 36);
        return context.getBean(RunReplicationProperties.class)
                .withSlotName("t_" + unique)
                .withClickHouseDatabase("t_" + unique)
                .withLeader(new RunReplicationProperties.Leader(Duration.ofSeconds(3), Duration.ofMillis(500),
                        Duration.ofMillis(300)));
    }

    ClickHouseClient clickHouse(RunReplicationProperties settings) {
        RunReplicationProperties.ClickHouse ch = settings.clickhouse();
        return new ClickHouseClient(ch.url(), ch.database(), ch.connectTimeout(), ch.requestTimeout());
    }

    /** A replicator like the application's, on {@code settings}, not started. */
    RunReplicator replicator(RunReplicationProperties settings, ReplicationExit exit, SimpleMeterRegistry meters) {
        HikariDataSource pool = context.getBean("writerDataSource", HikariDataSource.class);
        return new RunReplicator(settings, writer,
                WriterConnection.parse(pool.getJdbcUrl(), pool.getUsername(), pool.getPassword()), clickHouse(settings),
                context.getBean(StringRedisTemplate.class), RunReplicationConfiguration.instanceToken(), exit,
                new ReplicationMetrics(meters), context.getBean(Clock.class));
    }

    /** Drops what an isolated stream left behind: its slot (once nothing streams from it) and its database. */
    void cleanUp(RunReplicationProperties settings) {
        dropSlot(settings.slotName());
        clickHouse(settings).executeWithoutDatabase("DROP DATABASE IF EXISTS " + settings.clickhouse().database());
    }

    /** Drops the slot once its walsender is gone (it outlives a closed client connection for a moment). */
    void dropSlot(String slot) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !slotActive(slot));
        writer.sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")
                .param(slot).query().listOfRows();
    }

    /** Ends the walsender streaming from {@code slot}, as a failover or network cut would. */
    void killWalSender(String slot) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> writer.sql(
                        "SELECT active_pid FROM pg_replication_slots WHERE slot_name = ? AND active_pid IS NOT NULL")
                .param(slot).query(Integer.class).optional().isPresent());
        writer.sql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ?")
                .param(slot).query().listOfRows();
    }

    boolean slotActive(String slot) {
        return writer.sql("SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ? AND active)")
                .param(slot).query(Boolean.class).single();
    }

    public static NewRun newRun(String environmentId, String task, List<String> tags, String source, boolean test) {
        return new NewRun(NewRun.Placement.of(environmentId, task, "task/" + task),
                new NewRun.Payload("{\"n\":1}", "application/json", null, null, tags), NewRun.Idempotency.NONE,
                NewRun.Timing.NONE, new NewRun.Origin(TriggerSource.valueOf(source), test, null, null));
    }

    public static CreatedRun create(RunCreator creator, String environmentId) {
        return creator.create(newRun(environmentId, "task-a", List.of("t1"), "STANDARD", false));
    }

    /** The environment's runs as PostgreSQL (the writer) has them, in the columns ClickHouse carries. */
    Map<String, String> postgresRuns(String environmentId) {
        Map<String, String> out = new TreeMap<>();
        writer.sql("""
                        SELECT id, friendly_id, task_identifier, status, trigger_source, queue, array_to_string(tags, '|') AS tags,
                               is_test, attempt_number, idempotency_key, created_at, updated_at, started_at, completed_at,
                               machine, batch_id, locked_to_worker_id, worker_group_id, schedule_id, priority_ms,
                               priority_ms / 1000 AS priority_seconds
                        FROM task_runs WHERE runtime_environment_id = ?""")
                .param(environmentId)
                .query((rs, n) -> {
                    out.put(rs.getString("id"), String.join(",", rs.getString("friendly_id"), rs.getString("task_identifier"),
                            rs.getString("status"), rs.getString("trigger_source"), rs.getString("queue"), rs.getString("tags"),
                            rs.getBoolean("is_test") ? "1" : "0", Integer.toString(rs.getInt("attempt_number")),
                            String.valueOf(rs.getString("idempotency_key")), micros(rs.getTimestamp("created_at")),
                            micros(rs.getTimestamp("updated_at")), micros(rs.getTimestamp("started_at")),
                            micros(rs.getTimestamp("completed_at")), String.valueOf(rs.getString("machine")),
                            String.valueOf(rs.getString("batch_id")), String.valueOf(rs.getString("locked_to_worker_id")),
                            String.valueOf(rs.getString("worker_group_id")), String.valueOf(rs.getString("schedule_id")),
                            Integer.toString(rs.getInt("priority_ms")), Integer.toString(rs.getInt("priority_seconds"))));
                    return null;
                }).list();
        return out;
    }

    /** The environment's runs as ClickHouse answers with FINAL, deleted rows excluded. */
    static Map<String, String> clickHouseRuns(ClickHouseClient clickHouse, String environmentId) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode r : clickHouse.select("""
                SELECT run_id, friendly_id, task_identifier, status, trigger_source, queue, arrayStringConcat(tags, '|') AS tags,
                       is_test, attempt_count, idempotency_key, created_at_us, updated_at_us, started_at_us, completed_at_us,
                       machine, batch_id, locked_to_worker_id, worker_group_id, schedule_id, priority_ms, priority
                FROM task_runs FINAL WHERE environment_id = %s AND _is_deleted = 0""".formatted(ClickHouseSql.literal(environmentId)))) {
            String previous = out.put(r.get("run_id").asString(), String.join(",", r.get("friendly_id").asString(),
                    r.get("task_identifier").asString(), r.get("status").asString(), r.get("trigger_source").asString(),
                    r.get("queue").asString(), r.get("tags").asString(), r.get("is_test").asString(),
                    r.get("attempt_count").asString(), text(r.get("idempotency_key")), text(r.get("created_at_us")),
                    text(r.get("updated_at_us")), text(r.get("started_at_us")), text(r.get("completed_at_us")),
                    text(r.get("machine")), text(r.get("batch_id")), text(r.get("locked_to_worker_id")),
                    text(r.get("worker_group_id")), text(r.get("schedule_id")), text(r.get("priority_ms")),
                    text(r.get("priority"))));
            assertThat(previous).as("run %s appears twice in ClickHouse FINAL", r.get("run_id")).isNull();
        }
        return out;
    }

    /** Waits until ClickHouse holds exactly what PostgreSQL holds for the environment. */
    public void awaitClickHouseEqualsPostgres(ClickHouseClient clickHouse, String environmentId, Duration timeout) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(clickHouseRuns(clickHouse, environmentId)).isEqualTo(postgresRuns(environmentId)));
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? "null" : node.asString();
    }

    private static String micros(java.sql.Timestamp ts) {
        if (ts == null) {
            return "null";
        }
        Instant i = ts.toInstant();
        return Long.toString(i.getEpochSecond() * 1_000_000 + i.getNano() / 1000);
    }
}
