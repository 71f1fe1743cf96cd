package dev.triggerapi.realtime;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Per-environment Redis pub/sub subscriptions through one {@link RedisMessageListenerContainer} (one pub/sub
 * connection for the instance, re-subscribed by the container after a Redis outage). Subscribing and
 * unsubscribing run on one background thread, in order.
 *
 * <p>A subscription is {@linkplain Handle#ready() ready} only once a probe published on the channel after
 * subscribing came back to this listener: from then on every record published reaches it. (The container's
 * own wait for the SUBSCRIBE is bounded and silent when it runs out, and adding a second listener to an already
 * subscribed channel sends no SUBSCRIBE at all, so its return proves nothing.) The hub reads a subscription's
 * initial state only after this, so no write falls between the initial read and the first record.
 */
final class RedisRunChangeSubscriptions implements RunChangeSubscriptions {

    private static final Logger log = LoggerFactory.getLogger(RedisRunChangeSubscriptions.class);

    private static final String PROBE_PREFIX = "probe:";
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(200);
    private static final Duration PROBE_GIVE_UP = Duration.ofSeconds(10);

    private final RedisMessageListenerContainer container;
    private final StringRedisTemplate redis;
    private final JsonMapper json;
    private final ExecutorService subscriber;

    RedisRunChangeSubscriptions(RedisMessageListenerContainer container, StringRedisTemplate redis, JsonMapper json,
                                ExecutorService subscriber) {
        this.container = container;
        this.redis = redis;
        this.json = json;
        this.subscriber = subscriber;
    }

    @Override
    public Handle subscribe(String environmentId, Consumer<RunChangeRecord> onRecord) {
        EnvironmentListener listener = new EnvironmentListener(new ChannelTopic(RunChangeSubscriptions.channel(environmentId)),
                onRecord);
        subscriber.execute(listener::start);
        return listener;
    }

    private final class EnvironmentListener implements MessageListener, Handle {
        private final ChannelTopic topic;
        private final Consumer<RunChangeRecord> onRecord;
        private final CompletableFuture<Void> ready = new CompletableFuture<>();
        private final String probe = PROBE_PREFIX + UUID.randomUUID();

        EnvironmentListener(ChannelTopic topic, Consumer<RunChangeRecord> onRecord) {
            this.topic = topic;
            this.onRecord = onRecord;
        }

        void start() {
            try {
                container.addMessageListener(this, topic);
            } catch (RuntimeException e) {
                // The listener stays registered and the container re-listens with back-off; the probes below tell
                // when it works.
                log.debug("Subscribing to {} failed at first: {}", topic.getTopic(), e.getMessage());
            }
            long deadline = System.nanoTime() + PROBE_GIVE_UP.toNanos();
            String lastError = "no probe came back";
            while (!ready.isDone() && System.nanoTime() < deadline) {
                try {
                    redis.convertAndSend(topic.getTopic(), probe);
                } catch (RuntimeException e) {
                    // Redis is down: do not hold the subscriber's initial state back for it. The listener stays
                    // registered, so records flow again once the container reconnects.
                    lastError = e.getMessage();
                    break;
                }
                try {
                    ready.get(PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException notYet) {
                    // Publish again: the subscription may not have been active for the last probe.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (!ready.isDone()) {
                log.warn("Subscription to {} not confirmed within {} s ({}); the backstop poll keeps subscribers current",
                        topic.getTopic(), PROBE_GIVE_UP.toSeconds(), lastError);
                ready.completeExceptionally(new IllegalStateException(lastError));
            }
        }

        @Override
        public CompletableFuture<Void> ready() {
            return ready;
        }

        @Override
        public void close() {
            subscriber.execute(() -> {
                try {
                    container.removeMessageListener(this, topic);
                } catch (RuntimeException e) {
                    log.debug("Unsubscribing {} failed: {}", topic.getTopic(), e.getMessage());
                }
            });
        }

        @Override
        public void onMessage(Message message, byte[] pattern) {
            byte[] body = message.getBody();
            if (body.length > 0 && body[0] == 'p') {
                if (probe.equals(new String(body, StandardCharsets.UTF_8))) {
                    ready.complete(null);
                }
                return; // a probe (ours or another subscriber's)
            }
            RunChangeRecord record;
            try {
                record = json.readValue(message.getBody(), RunChangeRecord.class);
            } catch (RuntimeException e) {
                log.warn("Ignoring an unreadable change record on {}", topic.getTopic());
                return;
            }
            onRecord.accept(record);
        }
    }
}
