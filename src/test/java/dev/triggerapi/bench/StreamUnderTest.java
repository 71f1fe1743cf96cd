package dev.triggerapi.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.replication.RunReplicator;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The runs replication a bench measures, which it can stop and start again: the bench service's own replicator, or
 * the replication in a process of its own ({@link StreamProcess}, {@code -Dbench.replication=process}).
 */
sealed interface StreamUnderTest extends AutoCloseable {

    /** Spring arguments for the bench's service: off there when the stream runs in a process of its own. */
    static List<String> serviceArgs(boolean ownProcess) {
        return ownProcess ? List.of("--trigger-api.replication.stream-enabled=false") : List.of();
    }

    static StreamUnderTest of(boolean ownProcess, ConfigurableApplicationContext service, JdbcClient writer,
                              List<String> springArgs) throws Exception {
        if (!ownProcess) {
            return new InProcess(service.getBean(RunReplicator.class), service.getBean(MeterRegistry.class), writer);
        }
        OwnProcess stream = new OwnProcess(service, writer, springArgs);
        stream.start();
        return stream;
    }

    ReplicationReadings readings();

    /** The lag meter with its client-side percentiles, where the stream runs in this JVM. */
    Optional<DistributionSummary> lagSummary();

    /** Returns once the stream is streaming (leads, for a process of its own). */
    void start() throws Exception;

    void stop() throws Exception;

    /** What a restart includes. */
    String describeStart();

    @Override
    default void close() throws Exception {
    }

    /** The bench service's own replicator. */
    final class InProcess implements StreamUnderTest {
        private final RunReplicator replicator;
        private final MeterRegistry meters;
        private final ReplicationReadings readings;

        InProcess(RunReplicator replicator, MeterRegistry meters, JdbcClient writer) throws InterruptedException {
            this.replicator = replicator;
            this.meters = meters;
            this.readings = ReplicationReadings.inProcess(meters, writer);
            awaitStreaming();
        }

        @Override
        public ReplicationReadings readings() {
            return readings;
        }

        @Override
        public Optional<DistributionSummary> lagSummary() {
            return Optional.of(meters.get("runs_replication.lag_ms").summary());
        }

        @Override
        public void start() throws InterruptedException {
            replicator.start();
            awaitStreaming();
        }

        private void awaitStreaming() throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (replicator.status().state() != RunReplicator.State.STREAMING) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("The replicator is not streaming after 10 minutes");
                }
                Thread.sleep(200);
            }
        }

        @Override
        public void stop() {
            replicator.stop();
        }

        @Override
        public String describeStart() {
            return "engine start included";
        }
    }

    /**
     * A process of its own. It keeps running when the bench stops the stream, so that its JIT stays warm as in the
     * service: the bench takes the leader lock away from it (the takeover path of {@code RunReplicator}, which stops
     * the engine with everything acknowledged) and gives it back by deleting the key. The process extends and retries
     * the lock more often than the defaults so that both take well under a second.
     */
    final class OwnProcess implements StreamUnderTest, ReplicationReadings {
        private static final Duration LEADER_CHANGE = Duration.ofMinutes(1);
        private final ConfigurableApplicationContext service;
        private final JdbcClient writer;
        private final List<String> springArgs;
        private final int port;
        private final StringRedisTemplate redis;
        private final String lockKey;
        private StreamProcess process;

        OwnProcess(ConfigurableApplicationContext service, JdbcClient writer, List<String> springArgs) throws IOException {
            this.service = service;
            this.writer = writer;
            this.springArgs = new ArrayList<>(List.of("--trigger-api.replication.leader.extend-interval=250ms",
                    "--trigger-api.replication.leader.acquire-interval=100ms"));
            this.springArgs.addAll(springArgs);
            this.redis = service.getBean(StringRedisTemplate.class);
            this.lockKey = "trigger-api:runs-replication:leader:"
                    + service.getEnvironment().getProperty("trigger-api.replication.slot-name", "task_runs_clickhouse");
            try (ServerSocket socket = new ServerSocket(0)) {
                this.port = socket.getLocalPort();
            }
        }

        @Override
        public ReplicationReadings readings() {
            return this;
        }

        @Override
        public Optional<DistributionSummary> lagSummary() {
            return Optional.empty();
        }

        @Override
        public void start() throws Exception {
            if (process == null) {
                process = StreamProcess.start(service.getEnvironment(), port, writer, springArgs);
            } else {
                redis.delete(lockKey);
                process.awaitLeading(true, LEADER_CHANGE);
            }
        }

        @Override
        public void stop() throws InterruptedException {
            redis.opsForValue().set(lockKey, "bench: stream paused", Duration.ofMinutes(30));
            process.awaitLeading(false, LEADER_CHANGE);
        }

        @Override
        public String describeStart() {
            return "the lock given back, taking it and the engine start included";
        }

        @Override
        public void close() throws InterruptedException {
            redis.delete(lockKey);
            if (process != null) {
                process.close();
            }
        }

        @Override
        public long[] lagCounts(String meter, long[] boundsMs) {
            return process.lagCounts(meter, boundsMs);
        }

        @Override
        public Map<String, double[]> stages() {
            return process.stages();
        }

        @Override
        public Map<String, Long> cpu() {
            return process.cpu();
        }

        @Override
        public double batchesFlushed() {
            return process.batchesFlushed();
        }

        @Override
        public double rowsFlushed() {
            return process.rowsFlushed();
        }
    }
}
