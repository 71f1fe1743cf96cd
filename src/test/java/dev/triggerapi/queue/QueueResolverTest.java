package dev.triggerapi.queue;

import static dev.triggerapi.support.Registrations.task;
import static dev.triggerapi.support.Registrations.worker;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.deployment.DeploymentService;
import dev.triggerapi.deployment.TriggerSource;
import dev.triggerapi.deployment.WorkerRegistration;
import dev.triggerapi.deployment.WorkerTaskLookup;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.TestData;
import dev.triggerapi.taskmeta.TaskMetadata;
import dev.triggerapi.taskmeta.TaskMetadataLookup;
import dev.triggerapi.taskmeta.TaskMetadataReader;
import dev.triggerapi.taskmeta.WorkerTaskMetadata;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.node.StringNode;

@IntegrationTest
class QueueResolverTest {

    @Autowired
    QueueResolver resolver;
    @Autowired
    DeploymentService deployments;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    StringRedisTemplate redis;
    @Autowired
    MeterRegistry meters;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    TaskMetadataReader metadataReader;
    @Autowired
    WorkerTaskLookup workers;
    @Autowired
    ReplicaFirstReader replicaFirst;

    private AuthenticatedEnvironment environment(EnvironmentType type) {
        return TestData.environment(provisioning, type).environment();
    }

    private double resolved(String path, String source) {
        return meters.get("task_meta_cache.resolve").tag("path", path).tag("source", source).counter().count();
    }

    private double dbReads(String lookup, String source) {
        return meters.get("trigger.resolve_db_reads").tag("lookup", lookup).tag("source", source).counter().count();
    }

    private String workerId(AuthenticatedEnvironment env, String version) {
        return jdbc.sql("SELECT id FROM background_workers WHERE runtime_environment_id = ? AND version = ?")
                .params(env.id(), version).query(String.class).single();
    }

    private static String envKey(AuthenticatedEnvironment env) {
        return "task-meta:env:" + env.id();
    }

    private void awaitTaskOnReplica(String workerId, String slug) {
        ReplicaLag.awaitOnReplica(transactions, () -> jdbc.sql(
                        "SELECT EXISTS (SELECT 1 FROM background_worker_tasks WHERE worker_id = ? AND slug = ?)")
                .params(workerId, slug).query(Boolean.class).single());
    }

    private static QueueRequest request(String taskId) {
        return new QueueRequest(taskId, null, null, null);
    }

    @Test
    void warmCacheValueWinsOverTheDatabaseSoNoQueryRan() {
        AuthenticatedEnvironment env = environment(EnvironmentType.DEVELOPMENT);
        deployments.register(env, worker("1", task("t", "10m", "from-db")));
        redis.opsForHash().put(envKey(env), "t", "{\"t\":\"7m\",\"s\":\"AGENT\",\"q\":\"cached-id\",\"n\":\"from-cache\"}");
        double cacheHits = resolved("current", "cache");

        ResolvedQueue queue = resolver.resolve(env, request("t"));

        assertThat(queue).isEqualTo(new ResolvedQueue("from-cache", null, null, "7m", "AGENT"));
        assertThat(resolved("current", "cache")).isEqualTo(cacheHits + 1);
    }

    @Test
    void coldMissReadsTheCurrentWorkerOnTheWriterAndBackfillsBothKeySpaces() {
        AuthenticatedEnvironment env = environment(EnvironmentType.DEVELOPMENT);
        deployments.register(env, worker("1", task("t", "10m", "q1")));
        String worker = workerId(env, "1");
        redis.delete(java.util.List.of(envKey(env), "task-meta:by-worker:" + worker));
        awaitTaskOnReplica(worker, "t");
        double fromWriter = resolved("current", "writer");
        double fromReplica = resolved("current", "replica");
        double currentTaskReads = dbReads("current_task", "writer");
        double confirmReads = dbReads("current_worker", "writer");

        ResolvedQueue cold = resolver.resolve(env, request("t"));

        assertThat(cold.queueName()).isEqualTo("q1");
        assertThat(cold.ttl()).isEqualTo("10m");
        assertThat(resolved("current", "writer")).isEqualTo(fromWriter + 1);
        assertThat(resolved("current", "replica")).as("never from the replica").isEqualTo(fromReplica);
        assertThat(dbReads("current_task", "writer")).isEqualTo(currentTaskReads + 1);
        assertThat(dbReads("current_worker", "writer")).as("the hash was created: its owner confirmed once")
                .isEqualTo(confirmReads + 1);
        assertThat(redis.opsForHash().entries(envKey(env))).containsKey("t").containsEntry("__owner_worker_id", worker);
        assertThat(redis.opsForHash().entries("task-meta:by-worker:" + worker)).containsKey("t");

        double cacheHits = resolved("current", "cache");
        assertThat(resolver.resolve(env, request("t"))).isEqualTo(cold);
        assertThat(resolved("current", "cache")).isEqualTo(cacheHits + 1);
    }

    @Test
    void currentPathRechecksTheWriterWhenTheReplicaHasNotAppliedAFreshDeploy() {
        AuthenticatedEnvironment env = environment(EnvironmentType.DEVELOPMENT);
        ReplicaLag.behindBy(Duration.ofMillis(500), jdbc, transactions);
        deployments.register(env, worker("1", task("fresh", "5m", "fresh-q")));
        redis.delete(envKey(env));
        double fromWriter = resolved("current", "writer");

        ResolvedQueue queue = resolver.resolve(env, request("fresh"));

        assertThat(queue.queueName()).isEqualTo("fresh-q");
        assertThat(resolved("current", "writer")).isEqualTo(fromWriter + 1);
    }

    @Test
    void lockedPathUsesOnlyTheByWorkerKeySpace() {
        AuthenticatedEnvironment env = environment(EnvironmentType.PRODUCTION);
        deployments.register(env, worker("1", task("t", "10m", "q1")));
        String worker = workerId(env, "1");
        redis.delete("task-meta:by-worker:" + worker);
        awaitTaskOnReplica(worker, "t");

        ResolvedQueue locked = resolver.resolve(env, new QueueRequest("t", null, "1", null));

        assertThat(locked.queueName()).isEqualTo("q1");
        assertThat(locked.lockedToWorkerId()).isEqualTo(worker);
        assertThat(locked.lockedQueueId()).isEqualTo(jdbc.sql(
                "SELECT id FROM task_queues WHERE runtime_environment_id = ? AND name = 'q1'")
                .param(env.id()).query(String.class).single());
        assertThat(redis.opsForHash().entries("task-meta:by-worker:" + worker)).containsOnlyKeys("t");
        assertThat(redis.hasKey(envKey(env))).isFalse();

        redis.opsForHash().put("task-meta:by-worker:" + worker, "t",
                "{\"s\":\"STANDARD\",\"q\":\"locked-id\",\"n\":\"locked-cached\"}");
        assertThat(resolver.resolve(env, new QueueRequest("t", null, "1", null)).queueName()).isEqualTo("locked-cached");
        // Nothing is current in this environment yet, so the by-worker entry must not answer the current path.
        assertThat(resolver.resolve(env, request("t")).queueName()).isEqualTo("task/t");
    }

    @Test
    void promotionBetweenTheDatabaseReadAndTheBackfillKeepsThePromotedWorkersHash() {
        AuthenticatedEnvironment env = environment(EnvironmentType.PRODUCTION);
        deployments.register(env, worker("1", task("t", "10m", "old-q")));
        deployments.register(env, worker("2", task("t", "10m", "new-q")));
        deployments.promote(env, "1");
        String v1 = workerId(env, "1");
        String v2 = workerId(env, "2");
        redis.delete(envKey(env));

        TaskMetadataLookup<TaskMetadata> lookup = metadataReader.current(env.id(), "t", () -> {
            Optional<WorkerTaskMetadata> read = replicaFirst.onWriter(
                    () -> workers.currentWorkerTask(env.id(), env.type(), "t"));
            deployments.promote(env, "2"); // lands after our read, before our back-fill
            return read;
        }, () -> replicaFirst.onWriter(() -> workers.currentWorkerId(env.id(), env.type())));

        assertThat(lookup.value().orElseThrow().queueName()).isEqualTo("old-q");
        assertThat(redis.opsForHash().entries(envKey(env))).containsEntry("__owner_worker_id", v2);
        assertThat(redis.opsForHash().entries("task-meta:by-worker:" + v1)).containsKey("t");
        assertThat(resolver.resolve(env, request("t")).queueName()).isEqualTo("new-q");
    }

    @Test
    void promotionWhoseCacheWriteWasLostBetweenTheWriterReadAndTheBackfillLeavesNoStaleView() {
        AuthenticatedEnvironment env = environment(EnvironmentType.PRODUCTION);
        deployments.register(env, worker("1", task("t", "10m", "old-q")));
        deployments.register(env, worker("2", task("t", "10m", "new-q")));
        deployments.promote(env, "1");
        redis.delete(envKey(env));

        TaskMetadataLookup<TaskMetadata> lookup = metadataReader.current(env.id(), "t", () -> {
            Optional<WorkerTaskMetadata> read = replicaFirst.onWriter(
                    () -> workers.currentWorkerTask(env.id(), env.type(), "t"));
            deployments.promote(env, "2");
            redis.delete(envKey(env)); // Redis restarted empty right after the promotion's own cache write
            return read;
        }, () -> replicaFirst.onWriter(() -> workers.currentWorkerId(env.id(), env.type())));

        assertThat(lookup.value().orElseThrow().queueName()).as("the trigger in flight still used what it read")
                .isEqualTo("old-q");
        assertThat(redis.hasKey(envKey(env))).as("the unconfirmed view of version 1 was removed").isFalse();
        assertThat(resolver.resolve(env, request("t")).queueName()).isEqualTo("new-q");
        assertThat(redis.opsForHash().get(envKey(env), "__owner_worker_id")).isEqualTo(workerId(env, "2"));
    }

    @Test
    void aTaskNobodyDeployedGoesToItsOwnQueueAndIsNotCached() {
        AuthenticatedEnvironment env = environment(EnvironmentType.DEVELOPMENT);
        double misses = resolved("current", "miss");

        ResolvedQueue queue = resolver.resolve(env, request("never-deployed"));

        assertThat(queue).isEqualTo(new ResolvedQueue("task/never-deployed", null, null, null, "STANDARD"));
        assertThat(resolved("current", "miss")).isEqualTo(misses + 1);
        assertThat(redis.hasKey(envKey(env))).isFalse();
    }

    @Test
    void queueOverrideKeepsTheTasksTtlAndSourceAndPerTriggerTtlWins() {
        AuthenticatedEnvironment env = environment(EnvironmentType.DEVELOPMENT);
        deployments.register(env, new WorkerRegistration("1", java.util.List.of(new WorkerRegistration.TaskDeclaration(
                "t", StringNode.valueOf("10m"), TriggerSource.SCHEDULED, null))));

        assertThat(resolver.resolve(env, new QueueRequest("t", "custom", null, null)))
                .isEqualTo(new ResolvedQueue("custom", null, null, "10m", "SCHEDULED"));
        assertThat(resolver.resolve(env, new QueueRequest("t", "custom", null, "1h")).ttl()).isEqualTo("1h");
        assertThat(resolver.resolve(env, request("t")).queueName()).isEqualTo("task/t");
    }

    @Test
    void queueNamesAreSanitisedAndAnEmptyResultFallsBackToTheTaskQueue() {
        AuthenticatedEnvironment env = environment(EnvironmentType.DEVELOPMENT);

        assertThat(resolver.resolve(env, new QueueRequest("t", "my queue!*", null, null)).queueName()).isEqualTo("myqueue");
        assertThat(resolver.resolve(env, new QueueRequest("t", "!!!", null, null)).queueName()).isEqualTo("task/t");
        assertThat(resolver.resolve(env, new QueueRequest("t", "x".repeat(300), null, null)).queueName()).hasSize(128);
    }

    @Test
    void lockedQueueOverrideMustBeOneOfTheLockedWorkersQueues() {
        AuthenticatedEnvironment env = environment(EnvironmentType.PRODUCTION);
        deployments.register(env, worker("1", task("t", "10m", "q1"), task("u", null, "q2")));
        deployments.register(env, worker("2", task("t", "10m", "q3")));

        ResolvedQueue queue = resolver.resolve(env, new QueueRequest("t", "q2", "1", null));
        assertThat(queue.queueName()).isEqualTo("q2");
        assertThat(queue.lockedToWorkerId()).isEqualTo(workerId(env, "1"));
        assertThat(queue.ttl()).isEqualTo("10m");
        assertThat(Optional.ofNullable(queue.lockedQueueId())).isPresent();
    }
}
