package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.local.LocalClickHouse;
import dev.triggerapi.local.LocalCluster;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContext;

/** A database not set up for replication fails startup, and the message carries the SQL that fixes it. */
@ReplicationIntegrationTest
class ReplicationSetupValidationTest {

    /** External mode requires a key-encryption key; any valid one will do for these startups. */
    private static final String ENCRYPTION_KEY = dev.triggerapi.environment.CredentialProperties.generateEncryptionKey();

    @Autowired
    ApplicationContext context;

    private static ReplicationSetupException setupFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ReplicationSetupException e) {
                return e;
            }
        }
        return null;
    }

    @Test
    void startupFailsWithTheFixSqlWhenThePublicationIsMissing() {
        LocalCluster cluster = LocalCluster.sharedIfRunning();
        assertThatThrownBy(() -> new SpringApplicationBuilder(TriggerApiApplication.class)
                .web(WebApplicationType.NONE)
                .run("--spring.datasource.url=" + cluster.writerJdbcUrl(), "--spring.datasource.username=postgres",
                        "--trigger-api.local-cluster.enabled=false",
                        "--trigger-api.credentials.secret-key-encryption-key=" + ENCRYPTION_KEY,
                        "--spring.data.redis.port=" + cluster.redisPort(),
                        "--trigger-api.replication.clickhouse.url=" + LocalClickHouse.sharedIfRunning().url(),
                        "--trigger-api.replication.publication-name=no_such_publication",
                        "--trigger-api.replication.slot-name=t_never_created").close())
                .satisfies(e -> {
                    ReplicationSetupException cause = setupFailure(e);
                    assertThat(cause).isNotNull();
                    assertThat(cause.getMessage()).contains("publication no_such_publication does not exist")
                            .contains("CREATE PUBLICATION no_such_publication FOR TABLE public.task_runs "
                                    + "WITH (publish = 'insert, update, delete');");
                });
        assertThat(new ReplicationFixtures(context).writer()
                .sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 't_never_created'")
                .query(Integer.class).single()).isZero();
    }

    @Test
    void replicaIdentityWithoutTheSortingKeyIsReportedWithItsFix() {
        ReplicationFixtures fixtures = new ReplicationFixtures(context);
        ReplicationSetupValidator validator = new ReplicationSetupValidator(fixtures.writer());
        String fix = "CREATE UNIQUE INDEX IF NOT EXISTS task_runs_replica_identity ON public.task_runs "
                + "(id, runtime_environment_id, created_at); ALTER TABLE public.task_runs REPLICA IDENTITY USING INDEX "
                + "task_runs_replica_identity;";
        try {
            fixtures.writer().sql("ALTER TABLE task_runs REPLICA IDENTITY DEFAULT").update();
            assertThatThrownBy(() -> validator.validate("task_runs_clickhouse", "t_x"))
                    .isInstanceOf(ReplicationSetupException.class)
                    .hasMessageContaining("replica identity DEFAULT")
                    .hasMessageContaining(fix);
            // An identity index without the environment and creation time: deletes would lack the sorting key.
            fixtures.writer().sql("ALTER TABLE task_runs REPLICA IDENTITY USING INDEX task_runs_friendly_id_key").update();
            assertThatThrownBy(() -> validator.validate("task_runs_clickhouse", "t_x"))
                    .isInstanceOf(ReplicationSetupException.class)
                    .hasMessageContaining("replica identity USING INDEX")
                    .hasMessageContaining(fix);
            // FULL carries the whole old row, the sorting key included: slower, but correct.
            fixtures.writer().sql("ALTER TABLE task_runs REPLICA IDENTITY FULL").update();
            validator.validate("task_runs_clickhouse", "t_x");
        } finally {
            fixtures.writer().sql("ALTER TABLE task_runs REPLICA IDENTITY USING INDEX task_runs_replica_identity").update();
        }
        validator.validate("task_runs_clickhouse", "t_x");
    }

    @Test
    void publicationsMissingTheTableOrDeletesAreReportedWithTheirFixes() {
        ReplicationFixtures fixtures = new ReplicationFixtures(context);
        fixtures.writer().sql("CREATE PUBLICATION t_no_deletes FOR TABLE task_runs WITH (publish = 'insert, update')").update();
        fixtures.writer().sql("CREATE PUBLICATION t_no_table").update();
        try {
            ReplicationSetupValidator validator = new ReplicationSetupValidator(fixtures.writer());
            assertThatThrownBy(() -> validator.validate("t_no_deletes", "t_x"))
                    .hasMessageContaining("ALTER PUBLICATION t_no_deletes SET (publish = 'insert, update, delete');");
            assertThatThrownBy(() -> validator.validate("t_no_table", "t_x"))
                    .hasMessageContaining("ALTER PUBLICATION t_no_table ADD TABLE public.task_runs;");
            validator.validate("task_runs_clickhouse", "t_x");
        } finally {
            fixtures.writer().sql("DROP PUBLICATION t_no_deletes").update();
            fixtures.writer().sql("DROP PUBLICATION t_no_table").update();
        }
    }
    @Test
    void theDefaultPublicationSendsExactlyTheReplicatedColumnsAndANarrowerListIsReportedWithItsFix() {
        ReplicationFixtures fixtures = new ReplicationFixtures(context);
        // Migration V15: the walsender sends what the runs list reads, nothing more (payloads, outputs, errors stay home).
        assertThat(fixtures.writer().sql("""
                        SELECT unnest(attnames) FROM pg_publication_tables
                        WHERE pubname = 'task_runs_clickhouse' AND tablename = 'task_runs'""")
                .query(String.class).list()).containsExactlyInAnyOrderElementsOf(ClickHouseRunRows.SOURCE_COLUMNS);

        fixtures.writer().sql("CREATE PUBLICATION t_few_columns FOR TABLE task_runs (id, runtime_environment_id, created_at, "
                + "status)").update();
        fixtures.writer().sql("CREATE PUBLICATION t_all_columns FOR TABLE task_runs").update();
        try {
            ReplicationSetupValidator validator = new ReplicationSetupValidator(fixtures.writer());
            assertThatThrownBy(() -> validator.validate("t_few_columns", "t_x"))
                    .isInstanceOf(ReplicationSetupException.class)
                    .hasMessageContaining("publication t_few_columns's column list for public.task_runs lacks friendly_id, "
                            + "task_identifier, queue")
                    .hasMessageContaining("ALTER PUBLICATION t_few_columns SET TABLE public.task_runs ("
                            + String.join(", ", ClickHouseRunRows.SOURCE_COLUMNS) + ");");
            // No column list: every column is sent. Slower, but correct.
            validator.validate("t_all_columns", "t_x");
        } finally {
            fixtures.writer().sql("DROP PUBLICATION t_few_columns").update();
            fixtures.writer().sql("DROP PUBLICATION t_all_columns").update();
        }
    }
}
