package dev.triggerapi.taskmeta;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.triggerapi.concurrent.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * The near cache's link to the other instances: a subscription to the channel on which every Lua script that
 * changes an environment hash publishes that hash's key, in the same atomic script as the change.
 *
 * <p>The near cache may serve current-worker entries only while this link is known to work ({@link #live()}):
 * subscribed, and the last {@code PING} on the subscription answered within {@code livenessTimeout}. Every
 * change of that state, and every invalidation, bumps {@link #epoch()}, which lets a reader that loaded a value
 * from Redis tell whether an invalidation may have raced with its load. When the link is lost (Redis stopped,
 * connection cut, pings unanswered) the near cache drops what it holds for the current key space and reads
 * Redis again until the subscription is back; messages published while it was down are therefore never needed.
 */
final class TaskMetaInvalidations implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TaskMetaInvalidations.class);

    private final HostAndPort address;
    private final DefaultJedisClientConfig clientConfig;
    private final String channel;
    private final String envKeyPrefix;
    private final Duration pingInterval;
    private final Duration livenessTimeout;
    private final Duration reconnectDelay;
    private final Clock clock;
    private final Consumer<String> onEnvironment;
    private final Runnable onLinkChange;
    private final AtomicLong epoch = new AtomicLong();
    private final ScheduledExecutorService pinger;
    private final Thread subscriber;
    private volatile boolean live;
    private volatile long lastPong;
    private volatile Jedis connection;
    private volatile Listener listener;
    private volatile boolean closed;

    /**
     * @param onEnvironment called with an environment id whose hash changed (on the subscriber thread)
     * @param onLinkChange  called whenever the link went down or came (back) up: everything cached for the
     *                      current key space must go
     */
    TaskMetaInvalidations(HostAndPort address, DefaultJedisClientConfig clientConfig, String channel,
                          String envKeyPrefix, Duration pingInterval, Duration livenessTimeout,
                          Duration reconnectDelay, Clock clock, Consumer<String> onEnvironment,
                          Runnable onLinkChange) {
        this.address = address;
        this.clientConfig = clientConfig;
        this.channel = channel;
        this.envKeyPrefix = envKeyPrefix;
        this.pingInterval = pingInterval;
        this.livenessTimeout = livenessTimeout;
        this.reconnectDelay = reconnectDelay;
        this.clock = clock;
        this.onEnvironment = onEnvironment;
        this.onLinkChange = onLinkChange;
        this.pinger = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("task-meta-near-ping"));
        this.subscriber = DaemonThreads.thread("task-meta-near-invalidations", this::subscribeLoop);
    }

    void start() {
        subscriber.start();
        long everyMs = pingInterval.toMillis();
        pinger.scheduleWithFixedDelay(this::checkLiveness, everyMs, everyMs, TimeUnit.MILLISECONDS);
    }

    /** Whether invalidations are known to arrive, so current-worker entries may be served from memory. */
    boolean live() {
        return live;
    }

    /** Bumped by every invalidation and every change of {@link #live()}. */
    long epoch() {
        return epoch.get();
    }

    /** Records a local invalidation (this instance changed an environment hash itself). */
    void bump() {
        epoch.incrementAndGet();
    }

    private void subscribeLoop() {
        while (!closed) {
            try (Jedis jedis = new Jedis(address, clientConfig)) {
                connection = jedis;
                Listener current = new Listener();
                listener = current;
                jedis.subscribe(current, channel);
            } catch (RuntimeException e) {
                if (!closed) {
                    log.debug("Task-metadata invalidation subscription lost: {}", e.toString());
                }
            } finally {
                connection = null;
                linkDown();
            }
            sleepBeforeReconnect();
        }
    }

    private void sleepBeforeReconnect() {
        if (closed) {
            return;
        }
        try {
            Thread.sleep(reconnectDelay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /** Pings the subscription; a link whose pings go unanswered is treated as lost and cut. */
    private void checkLiveness() {
        Listener current = listener;
        if (current == null || !current.isSubscribed()) {
            return;
        }
        if (live && clock.millis() - lastPong > livenessTimeout.toMillis()) {
            log.warn("Task-metadata invalidations: no answer from Redis within {} ms, near cache bypassed for the "
                    + "current key space until the subscription is back", livenessTimeout.toMillis());
            linkDown();
            cut();
            return;
        }
        try {
            current.ping();
        } catch (RuntimeException e) {
            linkDown();
            cut();
        }
    }

    private void cut() {
        Jedis jedis = connection;
        if (jedis != null) {
            try {
                jedis.getConnection().disconnect();
            } catch (RuntimeException ignored) {
                // Already broken: the subscribe loop notices and reconnects.
            }
        }
    }

    private void linkDown() {
        if (live) {
            live = false;
        }
        epoch.incrementAndGet();
        onLinkChange.run();
    }

    private final class Listener extends JedisPubSub {

        @Override
        public void onSubscribe(String subscribed, int count) {
            // Anything published before this moment is unknown to us: start from an empty current key space.
            lastPong = clock.millis();
            epoch.incrementAndGet();
            onLinkChange.run();
            live = true;
        }

        @Override
        public void onMessage(String from, String key) {
            epoch.incrementAndGet();
            if (key.startsWith(envKeyPrefix)) {
                onEnvironment.accept(key.substring(envKeyPrefix.length()));
            }
        }

        @Override
        public void onPong(String pattern) {
            lastPong = clock.millis();
        }
    }

    @Override
    public void close() {
        closed = true;
        pinger.shutdownNow();
        live = false;
        Listener current = listener;
        try {
            if (current != null && current.isSubscribed()) {
                current.unsubscribe();
            }
        } catch (RuntimeException ignored) {
            // The connection is cut below anyway.
        }
        cut();
        subscriber.interrupt();
    }
}
