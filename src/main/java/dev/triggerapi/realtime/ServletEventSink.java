package dev.triggerapi.realtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

/**
 * A server-sent-events response written with the Servlet non-blocking output API: a write happens only when the
 * container says the socket can take it ({@link ServletOutputStream#isReady()}), and the container calls back
 * when it can again. A client that stops reading therefore never blocks a thread; its events wait (bounded) in
 * its {@link FeedSubscription}. Container callbacks about errors, timeouts and completion end the subscription,
 * which is how vanished clients are released.
 *
 * <p>Wire format: {@code retry:} and a {@code : connected} comment first, then per run version
 * {@code id: <cursor>} and {@code data: <run JSON>}, and {@code : ping} comments as heartbeats.
 */
final class ServletEventSink implements EventSink, WriteListener, AsyncListener {

    private static final byte[] PREAMBLE = "retry: 2000\n: connected\n\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] HEARTBEAT = ": ping\n\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.UTF_8);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.UTF_8);

    private final AsyncContext async;
    private final ServletOutputStream out;
    private final UnaryOperator<byte[]> render;
    private volatile FeedSubscription subscription;
    private volatile boolean attached;
    private volatile boolean completed;

    /** @param render turns a run's shared JSON into what this subscriber may see (a token may hide fields) */
    ServletEventSink(AsyncContext async, UnaryOperator<byte[]> render) throws IOException {
        this.async = async;
        this.out = async.getResponse().getOutputStream();
        this.render = render;
    }

    /** Switches the response to non-blocking writes on behalf of {@code subscription}. */
    void attach(FeedSubscription subscription) {
        this.subscription = subscription;
        async.addListener(this);
        attached = true;
        out.setWriteListener(this);
    }

    @Override
    public boolean ready() {
        return attached && !completed && out.isReady();
    }

    @Override
    public void open() throws IOException {
        out.write(PREAMBLE);
    }

    /**
     * One {@code write} per event: in non-blocking mode a second write right after a large first one may find
     * the stream not ready, which the container forbids.
     */
    @Override
    public void send(String eventId, HydratedRun run, DeliveryPath path) throws IOException {
        byte[] id = ("id: " + eventId).getBytes(StandardCharsets.UTF_8);
        byte[] json = render.apply(run.json());
        byte[] event = new byte[id.length + DATA.length + json.length + END.length];
        System.arraycopy(id, 0, event, 0, id.length);
        System.arraycopy(DATA, 0, event, id.length, DATA.length);
        System.arraycopy(json, 0, event, id.length + DATA.length, json.length);
        System.arraycopy(END, 0, event, id.length + DATA.length + json.length, END.length);
        out.write(event);
    }

    @Override
    public void heartbeat() throws IOException {
        out.write(HEARTBEAT);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() {
        if (completed) {
            return;
        }
        completed = true;
        try {
            async.complete();
        } catch (IllegalStateException alreadyDone) {
            // The container completed the request first (client gone or timeout).
        }
    }

    // ---- container callbacks ----

    @Override
    public void onWritePossible() {
        FeedSubscription current = subscription;
        if (current != null) {
            current.onWritable();
        }
    }

    @Override
    public void onError(Throwable t) {
        end();
        completeNow();
    }

    @Override
    public void onComplete(AsyncEvent event) {
        completed = true;
        end();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        end();
        completeNow();
    }

    /** The client went away; completing here keeps the container from an error dispatch to {@code /error}. */
    @Override
    public void onError(AsyncEvent event) {
        end();
        completeNow();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Not restarted.
    }

    private void completeNow() {
        completed = true;
        try {
            async.complete();
        } catch (IllegalStateException alreadyDone) {
            // Completed by another path first.
        }
    }

    private void end() {
        FeedSubscription current = subscription;
        if (current != null) {
            current.close();
        } else {
            close();
        }
    }
}
