package dev.triggerapi.realtime;

import java.io.IOException;

/**
 * The transport of one subscription (an SSE response, or a collector in tests). Calls are serialised by the
 * owning {@link FeedSubscription}; none may block on a slow client: when the transport cannot take more it says
 * so through {@link #ready()} and later calls {@link FeedSubscription#onWritable()}.
 */
interface EventSink {

    /** Whether a write now would be accepted without blocking. */
    boolean ready();

    /** Writes the stream's preamble; called once, on the first write opportunity, before anything else. */
    void open() throws IOException;

    /** Writes one event carrying a run version. */
    void send(String eventId, HydratedRun run, DeliveryPath path) throws IOException;

    /** Writes a keep-alive that carries no data. */
    void heartbeat() throws IOException;

    /** Pushes written events to the client, if the transport buffers. */
    void flush() throws IOException;

    /**
     * The subscription's initial read (its current state) has been offered, so what was sent or is pending now is
     * the state as of the subscription's start. Formats that answer a snapshot first (the shape stream) wait for it.
     */
    default void initialStateRead() {
    }

    /** Ends the stream from the server side; idempotent. */
    void close();
}
