package dev.triggerapi.deployment;

import static dev.triggerapi.support.Registrations.task;
import static dev.triggerapi.support.Registrations.worker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.StatementCounter;
import dev.triggerapi.support.TestData;
import dev.triggerapi.taskmeta.WorkerTaskMetadata;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The lookups a trigger makes about workers, tasks and queues (QueueResolver's database paths) answer from the
 * newest or promoted worker, and stay off Hibernate: they are single SQL statements because the same lookups as
 * HQL repository queries doubled a no-cache resolve's allocation (BENCHMARKS.md, "JPA for the domain model"), so
 * Hibernate prepares no statement for them. Run on the writer so that replica lag plays no part.
 */
@IntegrationTest
class WorkerTaskLookupTest {

    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    DeploymentService deployments;
    @Autowired
    WorkerTaskLookup lookup;
    @Autowired
    ReplicaFirstReader database;
    @Autowired
    EntityManagerFactory entityManagerFactory;

    StatementCounter statements;

    @BeforeEach
    void counter() {
        statements = new StatementCounter(entityManagerFactory);
    }

    @Test
    void developmentLookupsFindTheNewestWorkerWithoutHibernate() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        String envId = env.environment().id();
        deployments.register(env.environment(), worker("1", task("a", "5m", "qa"), task("b", null, "qb")));
        deployments.register(env.environment(), worker("2", task("a", "7m", "qa"), task("b", null, "qb")));

        assertThat(statements.count(() -> assertThat(database.onWriter(() ->
                lookup.currentWorkerTask(envId, EnvironmentType.DEVELOPMENT, "a")))
                .hasValueSatisfying(found -> assertThat(found.metadata().ttl()).isEqualTo("7m")))).isZero();
        assertThat(statements.count(() -> assertThat(database.onWriter(() ->
                lookup.currentWorkerId(envId, EnvironmentType.DEVELOPMENT))).isPresent())).isZero();
    }

    @Test
    void promotedLookupsFindThePromotedWorkerWithoutHibernate() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        String envId = env.environment().id();
        deployments.register(env.environment(), worker("1", task("a", "5m", "qa"), task("b", null, "qb")));
        deployments.register(env.environment(), worker("2", task("a", "7m", "qa"), task("b", null, "qc")));
        deployments.promote(env.environment(), "1");

        assertThat(statements.count(() -> assertThat(database.onWriter(() ->
                lookup.currentWorkerTask(envId, EnvironmentType.PRODUCTION, "a")))
                .map(WorkerTaskMetadata::metadata).hasValueSatisfying(task -> {
                    assertThat(task.ttl()).isEqualTo("5m");
                    assertThat(task.queueName()).isEqualTo("qa");
                }))).isZero();
        String workerId = database.onWriter(() -> lookup.currentWorkerId(envId, EnvironmentType.PRODUCTION))
                .orElseThrow();
        assertThat(statements.count(() -> assertThat(database.onWriter(() -> lookup.workerTask(workerId, "b")))
                .hasValueSatisfying(task -> assertThat(task.queueName()).isEqualTo("qb")))).isZero();
        assertThat(statements.count(() -> assertThat(database.onWriter(() -> lookup.workerQueues(envId, workerId)))
                .containsOnlyKeys("qa", "qb"))).isZero();
        assertThat(statements.count(() -> assertThat(database.onWriter(() -> lookup.workerIdForVersion(envId, "2")))
                .isPresent())).isZero();
    }
}
