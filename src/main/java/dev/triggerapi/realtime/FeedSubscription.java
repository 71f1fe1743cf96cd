package dev.triggerapi.realtime;

import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One live subscriber: what it follows, which run versions it has been sent, and a bounded buffer of versions
 * waiting for a slow transport.
 *
 * <p><b>Ordering:</b> a version is accepted only if it is newer than both the version last delivered for its
 * run and any version still pending for it, so a subscriber never receives the same version twice nor one
 * older than one it already has. Since every event carries the run's full state, a newer pending version
 * simply replaces an older pending one of the same run.
 *
 * <p><b>Drop-and-resync:</b> the buffer holds at most {@code capacity} runs. When a new run would exceed it
 * (the client is not reading), the whole buffer is dropped and the subscription is marked for resync; once the
 * transport drains, the feed's runs are re-read and every version newer than what the client has is sent.
 * Nothing is lost (each event is full state) and a stuck client costs bounded memory and never blocks anyone.
 */
final class FeedSubscription {

    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** What a subscription needs from the hub that owns it. */
    interface Host {
        RealtimeMetrics metrics();

        /** The subscription ended. */
        void closed(FeedSubscription subscription);

        /** The subscription dropped its buffer and needs its runs re-read. */
        void resync(FeedSubscription subscription);
    }

    private record Pending(HydratedRun run, DeliveryPath path) {
    }

    private final long id = SEQUENCE.incrementAndGet();
    private final FeedSpec spec;
    private final EventSink sink;
    private final Host hub;
    private final Instant resumeFloor;
    private final int capacity;
    private final Map<String, Instant> delivered;
    private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();
    private Instant cursor;
    private boolean resyncNeeded;
    private boolean opened;
    /** Bytes written but not yet flushed; they must be flushed once the transport is ready again. */
    private boolean unflushed;
    private boolean closed;

    /**
     * @param resumeFloor versions at or before this were received on an earlier connection ({@code Last-Event-ID});
     *                    null for a fresh subscription
     */
    FeedSubscription(FeedSpec spec, EventSink sink, Host hub, Instant resumeFloor, int capacity,
                     int deliveredLimit) {
        this.spec = spec;
        this.sink = sink;
        this.hub = hub;
        this.resumeFloor = resumeFloor;
        this.cursor = resumeFloor;
        this.capacity = capacity;
        this.delivered = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
                return size() > deliveredLimit;
            }
        };
    }

    long id() {
        return id;
    }

    FeedSpec spec() {
        return spec;
    }

    Instant resumeFloor() {
        return resumeFloor;
    }

    /** Offers a run version; it is sent now, buffered, or ignored when not newer than what the client has. */
    void offer(HydratedRun run, DeliveryPath path) {
        synchronized (this) {
            if (closed || (resumeFloor != null && !run.updatedAt().isAfter(resumeFloor))) {
                return;
            }
            Instant known = delivered.get(run.runId());
            Pending waiting = pending.get(run.runId());
            if (waiting != null && (known == null || waiting.run().updatedAt().isAfter(known))) {
                known = waiting.run().updatedAt();
            }
            if (known != null && !run.updatedAt().isAfter(known)) {
                return;
            }
            if (waiting == null && pending.size() >= capacity) {
                pending.clear();
                resyncNeeded = true;
                hub.metrics().subscriberResync();
                return;
            }
            pending.put(run.runId(), new Pending(run, path));
        }
        drain();
    }

    /** The transport can take more (also the start signal of an SSE stream). */
    void onWritable() {
        drain();
    }

    /** The hub offered the initial read; the transport learns it after the offered versions were drained to it. */
    void initialRead() {
        drain();
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        sink.initialStateRead();
    }

    /** Sends a keep-alive when nothing is waiting; a failed write reveals a vanished client. */
    void heartbeat() {
        boolean failed = false;
        synchronized (this) {
            if (closed || !opened || !pending.isEmpty() || !sink.ready()) {
                return;
            }
            try {
                sink.heartbeat();
                unflushed = true;
                if (sink.ready()) {
                    sink.flush();
                    unflushed = false;
                }
            } catch (IOException | RuntimeException e) {
                failed = true;
            }
        }
        if (failed) {
            close();
        }
    }

    /** Whether versions are waiting for the transport (the client is slower than the feed). */
    synchronized boolean backedUp() {
        return !pending.isEmpty() || resyncNeeded;
    }

    /** Ends the subscription (client gone, server stopping or stream timeout); idempotent. */
    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pending.clear();
        }
        hub.closed(this);
        sink.close();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    private void drain() {
        boolean failed = false;
        boolean resync = false;
        synchronized (this) {
            if (closed) {
                return;
            }
            try {
                if (!opened && sink.ready()) {
                    sink.open();
                    opened = true;
                    unflushed = true;
                }
                Iterator<Pending> it = pending.values().iterator();
                while (opened && it.hasNext() && sink.ready()) {
                    Pending next = it.next();
                    it.remove();
                    HydratedRun run = next.run();
                    if (cursor == null || run.updatedAt().isAfter(cursor)) {
                        cursor = run.updatedAt();
                    }
                    sink.send(Long.toString(RunChangeRecord.Versions.micros(cursor)), run, next.path());
                    delivered.put(run.runId(), run.updatedAt());
                    hub.metrics().delivered(next.path(), run.updatedAt());
                    unflushed = true;
                }
                // A write can leave the transport not ready with the event still in its buffer; the flush then
                // happens on the next write opportunity, never skipped.
                if (unflushed && sink.ready()) {
                    sink.flush();
                    unflushed = false;
                }
                if (pending.isEmpty() && resyncNeeded && sink.ready()) {
                    resyncNeeded = false;
                    resync = true;
                }
            } catch (IOException | RuntimeException e) {
                failed = true;
            }
        }
        if (failed) {
            close();
        } else if (resync) {
            hub.resync(this);
        }
    }
}
