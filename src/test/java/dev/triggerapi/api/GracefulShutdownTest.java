package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.clickhouse.ClickHouseClient;
import dev.triggerapi.replication.RunReplicator;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.TestData;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;
import tools.jackson.databind.json.JsonMapper;

/**
 * A second application instance (its own Spring context on a random port, same cluster, its own replication slot so
 * it leads alone) is closed while a slow request is in flight, an SSE client is connected and it holds the
 * replication leader lock: the request still completes with 200, the stream ends with a proper end of the chunked
 * body (no reset, no truncated chunk) and the lock is gone from Redis, so another instance can take over at once.
 */
class GracefulShutdownTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** How an SSE stream ended. */
    private record StreamEnd(boolean sawFirstEvent, IOException error) {
    }

    @Test
    void closingAnInstanceFinishesInFlightRequestsEndsStreamsCleanlyAndHandsOverTheLeaderLock() throws Exception {
        String unique = "t_shutdown_" + Long.toString(System.nanoTime(), 36);
        CountDownLatch closing = new CountDownLatch(1);
        ConfigurableApplicationContext app = new SpringApplicationBuilder(TriggerApiApplication.class)
                .profiles("test")
                .listeners((ApplicationListener<ContextClosedEvent>) event -> closing.countDown())
                // Command-line arguments: they win over the test profile's file, which turns replication off.
                .run("--server.port=0", "--trigger-api.local-cluster.clickhouse=true",
                        "--trigger-api.replication.slot-name=" + unique,
                        "--trigger-api.replication.clickhouse.database=" + unique,
                        // A lock that would outlive the test: only a release on shutdown can make it disappear.
                        "--trigger-api.replication.leader.lock-ttl=600000ms");
        ClickHouseClient clickHouse = app.getBeanProvider(ClickHouseClient.class).getIfAvailable();
        String lockKey = "trigger-api:runs-replication:leader:" + unique;
        CompletableFuture<Void> closed = null;
        Connection rowLock = null;
        try {
            assertThat(clickHouse).as("runs replication is on in the second instance").isNotNull();
            int port = app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            ProvisionedEnvironment env = TestData.environment(app.getBean(EnvironmentProvisioning.class),
                    EnvironmentType.DEVELOPMENT);
            RunReplicator replicator = app.getBean(RunReplicator.class);
            Awaitility.await().atMost(WAIT).until(() -> replicator.status().leader());

            HttpResponse<String> triggered = HTTP.send(request(port, env, "/api/v1/tasks/shutdown-task/trigger")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"payload\":{}}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(triggered.statusCode()).isEqualTo(200);
            String runId = JSON.readTree(triggered.body()).get("id").asString();

            CountDownLatch firstEvent = new CountDownLatch(1);
            CompletableFuture<StreamEnd> stream = CompletableFuture.supplyAsync(() -> readStream(port, env, runId, firstEvent));
            assertThat(firstEvent.await(30, TimeUnit.SECONDS)).as("the stream is live").isTrue();

            // The slow request: a cancel that waits on the run's row lock, held by this test.
            rowLock = DriverManager.getConnection(Cluster.get().writerJdbcUrl(), Cluster.get().username(), "");
            rowLock.setAutoCommit(false);
            try (PreparedStatement lock = rowLock.prepareStatement("SELECT id FROM task_runs WHERE friendly_id = ? FOR UPDATE")) {
                lock.setString(1, runId);
                lock.executeQuery().close();
            }
            CompletableFuture<HttpResponse<String>> cancel = HTTP.sendAsync(
                    request(port, env, "/api/v2/runs/" + runId + "/cancel").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            Awaitility.await().atMost(WAIT).until(this::aRequestWaitsOnARowLock);

            closed = CompletableFuture.runAsync(app::close);
            assertThat(closing.await(30, TimeUnit.SECONDS)).isTrue();

            StreamEnd end = stream.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(end.error()).as("the SSE stream ended with a complete chunked body").isNull();
            try (Jedis redis = new Jedis("127.0.0.1", Cluster.get().redisPort())) {
                Awaitility.await().atMost(WAIT).until(() -> !redis.exists(lockKey));
                assertThat(redis.set(lockKey, "another-instance", SetParams.setParams().nx().px(30_000)))
                        .as("another instance takes the lock at once").isEqualTo("OK");
                redis.del(lockKey);
            }
            assertThat(cancel).as("the in-flight request is still waiting while the instance shuts down").isNotDone();

            rowLock.rollback();
            HttpResponse<String> cancelled = cancel.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(cancelled.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(cancelled.body()).get("id").asString()).isEqualTo(runId);
            closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            if (rowLock != null) {
                rowLock.close();
            }
            if (closed == null) {
                app.close();
            } else {
                closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            dropSlot(unique);
            if (clickHouse != null) {
                clickHouse.executeWithoutDatabase("DROP DATABASE IF EXISTS " + unique);
            }
        }
    }

    private static HttpRequest.Builder request(int port, ProvisionedEnvironment env, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + env.secretKey()).header("Content-Type", "application/json");
    }

    /** Reads the stream to its end; an {@link IOException} means it was reset or cut inside a chunk. */
    private static StreamEnd readStream(int port, ProvisionedEnvironment env, String runId, CountDownLatch firstEvent) {
        boolean sawEvent = false;
        try {
            HttpResponse<InputStream> response = HTTP.send(request(port, env, "/realtime/v1/runs/" + runId)
                    .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("data:")) {
                        sawEvent = true;
                        firstEvent.countDown();
                    }
                }
            }
            return new StreamEnd(sawEvent, null);
        } catch (IOException e) {
            return new StreamEnd(sawEvent, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new StreamEnd(sawEvent, new IOException(e));
        }
    }

    private boolean aRequestWaitsOnARowLock() throws Exception {
        try (Connection c = DriverManager.getConnection(Cluster.get().writerJdbcUrl(), Cluster.get().username(), "");
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%task_runs%'")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    private static void dropSlot(String slot) throws Exception {
        try (Connection c = DriverManager.getConnection(Cluster.get().writerJdbcUrl(), Cluster.get().username(), "")) {
            Awaitility.await().atMost(WAIT).until(() -> {
                try (ResultSet rs = c.createStatement().executeQuery(
                        "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND active")) {
                    rs.next();
                    return rs.getInt(1) == 0;
                }
            });
            c.createStatement().execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        }
    }
}
