package dev.triggerapi.realtime;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import dev.triggerapi.redis.RedisFailOpen;
import dev.triggerapi.run.RunChangedEvent;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publishes a {@link RunChangeRecord} on the run's environment channel after the write that changed the run has
 * committed (never before: a subscriber must not be told about a write that may still roll back).
 *
 * <p>Publishing never fails or slows the write: the record is put on a bounded queue that one background thread
 * drains, so records leave in commit order. The thread sends everything waiting, up to {@link #BATCH}, as one
 * pipelined round trip: one {@code PUBLISH} per round trip could not keep up with the trigger path at full rate
 * (the queue overflowed at c=50, BENCHMARKS.md issue 22). If Redis is down or the queue is full the record is
 * dropped and counted; the backstop poll delivers the change later.
 */
final class RunChangePublisher {

    /** Most records per pipelined round trip. */
    static final int BATCH = 256;

    private final StringRedisTemplate redis;
    private final JsonMapper json;
    private final RealtimeMetrics metrics;
    private final BlockingQueue<Pending> pending;
    /** Drops are counted one by one; the log gets a warning at most every ten seconds (an overload drops thousands). */
    private final RedisFailOpen dropLog;

    RunChangePublisher(StringRedisTemplate redis, JsonMapper json, ExecutorService publisher, RealtimeMetrics metrics,
                       Clock clock, int queueCapacity) {
        this.redis = redis;
        this.json = json;
        this.metrics = metrics;
        this.pending = new ArrayBlockingQueue<>(queueCapacity);
        this.dropLog = new RedisFailOpen(clock, Duration.ZERO, LoggerFactory.getLogger(RunChangePublisher.class));
        publisher.execute(this::drain);
    }

    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT)
    void onRunChanged(RunChangedEvent event) {
        try {
            RunChangeRecord record = RunChangeRecord.of(event.runId(), event.friendlyId(), event.environmentId(),
                    event.updatedAt());
            Pending change = new Pending(RunChangeSubscriptions.channel(event.environmentId()),
                    json.writeValueAsString(record));
            if (!pending.offer(change)) {
                metrics.publishFailed();
                dropLog.log("Realtime publish queue full; change of run {} left to the backstop poll"
                        + " (drops are counted in realtime.publish_failures)", event.friendlyId());
            }
        } catch (RuntimeException e) {
            metrics.publishFailed();
            dropLog.log("Could not publish change of run {}: {}", event.friendlyId(), e.getMessage());
        }
    }

    /** The publisher thread: waits for a record, then sends it with everything queued behind it. */
    private void drain() {
        List<Pending> batch = new ArrayList<>(BATCH);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Pending first = pending.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                pending.drainTo(batch, BATCH - 1);
                publish(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void publish(List<Pending> batch) {
        try {
            redis.executePipelined((RedisCallback<Object>) connection -> {
                for (Pending change : batch) {
                    send(connection, change);
                }
                return null;
            });
        } catch (RuntimeException e) {
            for (int i = 0; i < batch.size(); i++) {
                metrics.publishFailed();
            }
            dropLog.log("Redis publish of {} change(s) failed ({}); the backstop poll will deliver them",
                    batch.size(), NestedExceptionUtils.getMostSpecificCause(e).toString());
        }
    }

    private static void send(RedisConnection connection, Pending change) {
        connection.publish(change.channel().getBytes(StandardCharsets.UTF_8),
                change.message().getBytes(StandardCharsets.UTF_8));
    }

    private record Pending(String channel, String message) {
    }
}
