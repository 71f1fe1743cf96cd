package dev.triggerapi.realtime;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An in-process subscriber for feed tests: always ready, records every delivery with its path. */
final class CollectingSink implements EventSink {

    /**
     * @param run  the delivered version
     * @param path why it was delivered
     */
    record Delivery(HydratedRun run, DeliveryPath path) {
        /** The {@code step} metadata value tests write, or -1 when absent. */
        int step() {
            var metadata = run.view().metadata();
            return metadata == null || metadata.get("step") == null ? -1 : metadata.get("step").asInt();
        }
    }

    private final BlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();
    private final List<Delivery> all = new CopyOnWriteArrayList<>();

    @Override
    public boolean ready() {
        return true;
    }

    @Override
    public void open() {
    }

    @Override
    public void send(String eventId, HydratedRun run, DeliveryPath path) {
        Delivery delivery = new Delivery(run, path);
        all.add(delivery);
        queue.add(delivery);
    }

    @Override
    public void heartbeat() {
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }

    /** The next delivery, or null if none arrives within {@code timeout}. */
    Delivery next(Duration timeout) {
        try {
            return queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    List<Delivery> all() {
        return List.copyOf(all);
    }
}
