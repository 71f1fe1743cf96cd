package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunChangedEvent;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/** Change records on real Redis: published after commit only, carrying the write's own version; never failing a write. */
@ServerIntegrationTest
class RunChangePublishingTest {

    @LocalServerPort
    int port;
    @Autowired
    @Qualifier("realtimeListenerContainer")
    RedisMessageListenerContainer container;
    @Autowired
    StringRedisTemplate redis;
    @Autowired
    JsonMapper json;
    @Autowired
    RunCreator creator;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    ApplicationEventPublisher events;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    MeterRegistry meters;

    private ProvisionedEnvironment env;
    private TestRuns runs;
    private ExecutorService subscriber;
    private RunChangeSubscriptions.Handle handle;
    private final BlockingQueue<RunChangeRecord> received = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() throws Exception {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        runs = new TestRuns(creator, jdbc, transactions, events);
        subscriber = Executors.newSingleThreadExecutor();
        RedisRunChangeSubscriptions subscriptions = new RedisRunChangeSubscriptions(container, redis, json, subscriber);
        // A loaded machine may need a second attempt for the container's first connection.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            RunChangeSubscriptions.Handle attempt = subscriptions.subscribe(env.environment().id(), received::add);
            try {
                attempt.ready().get(15, TimeUnit.SECONDS);
                handle = attempt;
                return true;
            } catch (Exception e) {
                attempt.close();
                throw e;
            }
        });
    }

    @AfterEach
    void tearDown() {
        handle.close();
        subscriber.shutdown();
    }

    private RunChangeRecord next() throws InterruptedException {
        RunChangeRecord record = received.poll(10, TimeUnit.SECONDS);
        assertThat(record).as("change record").isNotNull();
        return record;
    }

    @Test
    void recordCarriesTheCommittedRowsOwnUpdatedAt() throws Exception {
        CreatedRun run = runs.create(env, List.of(), null, null);
        RunChangeRecord created = next();
        assertThat(created.runId()).isEqualTo(run.id());
        assertThat(created.friendlyId()).isEqualTo(run.friendlyId());
        assertThat(created.environmentId()).isEqualTo(env.environment().id());
        assertThat(created.watermark()).isEqualTo(run.updatedAt());

        Instant updatedAt = runs.setStatus(run, env.environment().id(), "EXECUTING");

        assertThat(next().watermark()).isEqualTo(updatedAt);
    }

    @Test
    void rolledBackWriteIsNeverAnnounced() throws Exception {
        CreatedRun run = runs.create(env, List.of(), null, null);
        next();

        new TransactionTemplate(transactions).executeWithoutResult(tx -> {
            Instant updatedAt = jdbc.sql("UPDATE task_runs SET status = 'EXECUTING' WHERE id = ? RETURNING updated_at")
                    .param(run.id()).query(java.sql.Timestamp.class).single().toInstant();
            events.publishEvent(new RunChangedEvent(run.id(), run.friendlyId(), env.environment().id(), updatedAt));
            tx.setRollbackOnly();
        });
        Instant committed = runs.setStatus(run, env.environment().id(), "WAITING");

        // Records leave in commit order: the next one is the committed write, the rolled-back one never came.
        assertThat(next().watermark()).isEqualTo(committed);
    }

    @Test
    void burstLargerThanOnePipelinedBatchArrivesCompleteAndInCommitOrder() throws Exception {
        CreatedRun run = runs.create(env, List.of(), null, null);
        next();
        int burst = RunChangePublisher.BATCH * 3 + 7;
        Instant base = run.updatedAt();

        new TransactionTemplate(transactions).executeWithoutResult(tx -> {
            for (int i = 1; i <= burst; i++) {
                events.publishEvent(new RunChangedEvent(run.id(), run.friendlyId(), env.environment().id(),
                        base.plusMillis(i)));
            }
        });

        for (int i = 1; i <= burst; i++) {
            assertThat(next().watermark()).as("record %d of %d", i, burst).isEqualTo(base.plusMillis(i));
        }
    }

    @Test
    void runWriteSucceedsWhileRedisIsDown() throws Exception {
        CreatedRun run = runs.create(env, List.of(), null, null);
        next();
        double failuresBefore = meters.counter("realtime.publish_failures").count();
        Cluster.get().stopRedis();
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/runs/"
                            + run.friendlyId() + "/metadata"))
                    .header("Authorization", "Bearer " + env.secretKey()).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"while\":\"down\"}}")).build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(jdbc.sql("SELECT metadata FROM task_runs WHERE id = ?").param(run.id()).query(String.class)
                    .single()).contains("down");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> meters.counter("realtime.publish_failures").count() > failuresBefore);
        } finally {
            Cluster.get().startRedis();
        }
        // Subscriptions recover with Redis: a new one confirms its probe again.
        ExecutorService again = Executors.newSingleThreadExecutor();
        try {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                RunChangeSubscriptions.Handle probe = new RedisRunChangeSubscriptions(container, redis, json, again)
                        .subscribe("recovery-" + env.environment().id(), r -> { });
                try {
                    probe.ready().get(6, TimeUnit.SECONDS);
                    return true;
                } finally {
                    probe.close();
                }
            });
        } finally {
            again.shutdown();
        }
    }
}
