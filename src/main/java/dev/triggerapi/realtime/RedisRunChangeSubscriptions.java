package dev.triggerapi.realtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Per-environment Redis pub/sub subscriptions through one {@link RedisMessageListenerContainer} (one pub/sub
 * connection for the instance, re-subscribed by the container after a Redis outage). Subscribing and
 * unsubscribing run on one background thread, in order, because the container blocks until Redis confirms.
 */
final class RedisRunChangeSubscriptions implements RunChangeSubscriptions {

    private static final Logger log = LoggerFactory.getLogger(RedisRunChangeSubscriptions.class);

    private final RedisMessageListenerContainer container;
    private final JsonMapper json;
    private final ExecutorService subscriber;

    RedisRunChangeSubscriptions(RedisMessageListenerContainer container, JsonMapper json, ExecutorService subscriber) {
        this.container = container;
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

        EnvironmentListener(ChannelTopic topic, Consumer<RunChangeRecord> onRecord) {
            this.topic = topic;
            this.onRecord = onRecord;
        }

        void start() {
            try {
                // Returns once Redis confirmed the SUBSCRIBE (or the channel was already subscribed).
                container.addMessageListener(this, topic);
                ready.complete(null);
            } catch (RuntimeException e) {
                log.warn("Cannot subscribe to {}: {} (the backstop poll keeps subscribers current)",
                        topic.getTopic(), e.getMessage());
                ready.completeExceptionally(e);
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
