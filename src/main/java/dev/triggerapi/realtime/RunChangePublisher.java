package dev.triggerapi.realtime;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

import dev.triggerapi.redis.RedisFailOpen;
import dev.triggerapi.run.RunChangedEvent;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publishes a {@link RunChangeRecord} on the run's environment channel after the write that changed the run has
 * committed (never before: a subscriber must not be told about a write that may still roll back).
 *
 * <p>Publishing never fails or slows the write: the record is handed to one background thread (which keeps
 * records in commit order) through a bounded queue. If Redis is down or the queue is full the record is
 * dropped and counted; the backstop poll delivers the change later.
 */
final class RunChangePublisher {

    private final StringRedisTemplate redis;
    private final JsonMapper json;
    private final ExecutorService publisher;
    private final RealtimeMetrics metrics;
    /** Drops are counted one by one; the log gets a warning at most every ten seconds (an overload drops thousands). */
    private final RedisFailOpen dropLog;

    RunChangePublisher(StringRedisTemplate redis, JsonMapper json, ExecutorService publisher, RealtimeMetrics metrics,
                       Clock clock) {
        this.redis = redis;
        this.json = json;
        this.publisher = publisher;
        this.metrics = metrics;
        this.dropLog = new RedisFailOpen(clock, Duration.ZERO, LoggerFactory.getLogger(RunChangePublisher.class));
    }

    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT)
    void onRunChanged(RunChangedEvent event) {
        try {
            RunChangeRecord record = RunChangeRecord.of(event.runId(), event.friendlyId(), event.environmentId(),
                    event.updatedAt());
            String message = json.writeValueAsString(record);
            String channel = RunChangeSubscriptions.channel(event.environmentId());
            publisher.execute(() -> publish(channel, message));
        } catch (RejectedExecutionException e) {
            metrics.publishFailed();
            dropLog.log("Realtime publish queue full; change of run {} left to the backstop poll"
                    + " (drops are counted in realtime.publish_failures)", event.friendlyId());
        } catch (RuntimeException e) {
            metrics.publishFailed();
            dropLog.log("Could not publish change of run {}: {}", event.friendlyId(), e.getMessage());
        }
    }

    private void publish(String channel, String message) {
        try {
            redis.convertAndSend(channel, message);
        } catch (RuntimeException e) {
            metrics.publishFailed();
            dropLog.log("Redis publish failed ({}); the backstop poll will deliver the change", e.getMessage());
        }
    }
}
