package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class FeedSubscriptionTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    /** A transport that can be made to stop accepting writes, like a client that stopped reading. */
    private static class ControlledSink implements EventSink {
        boolean ready = true;
        boolean opened;
        boolean closed;
        int heartbeats;
        final List<String> events = new ArrayList<>();
        final List<String> ids = new ArrayList<>();

        @Override
        public boolean ready() {
            return ready;
        }

        @Override
        public void open() {
            opened = true;
        }

        @Override
        public void send(String eventId, HydratedRun run, DeliveryPath path) {
            ids.add(eventId);
            events.add(run.view().id() + "@" + (run.updatedAt().toEpochMilli() - T0.toEpochMilli()));
        }

        @Override
        public void heartbeat() throws IOException {
            heartbeats++;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static final class RecordingHost implements FeedSubscription.Host {
        final RealtimeMetrics metrics = new RealtimeMetrics(new SimpleMeterRegistry(), new FakeClock(T0));
        final List<FeedSubscription> resyncs = new ArrayList<>();
        final List<FeedSubscription> closed = new ArrayList<>();

        @Override
        public RealtimeMetrics metrics() {
            return metrics;
        }

        @Override
        public void closed(FeedSubscription subscription) {
            closed.add(subscription);
        }

        @Override
        public void resync(FeedSubscription subscription) {
            resyncs.add(subscription);
        }
    }

    private final ControlledSink sink = new ControlledSink();
    private final RecordingHost host = new RecordingHost();

    private static HydratedRun run(String id, long millis) {
        RunView view = new RunView("run_" + id, "QUEUED", "task", null, List.of(), null, null, null, 0, false, null,
                T0, T0.plusMillis(millis), null, null);
        return new HydratedRun(id, "env", null, view, new byte[0], null);
    }

    private FeedSubscription subscription(Instant resumeFloor, int capacity) {
        return new FeedSubscription(new FeedSpec.Tagged("env", List.of(), T0), sink, host, resumeFloor, capacity, 100);
    }

    @Test
    void sameOrOlderVersionIsNeverSentAgain() {
        FeedSubscription subscription = subscription(null, 10);
        subscription.offer(run("a", 2), DeliveryPath.NOTIFY);
        subscription.offer(run("a", 2), DeliveryPath.BACKSTOP);
        subscription.offer(run("a", 1), DeliveryPath.NOTIFY);
        subscription.offer(run("a", 3), DeliveryPath.NOTIFY);

        assertThat(sink.opened).isTrue();
        assertThat(sink.events).containsExactly("run_a@2", "run_a@3");
    }

    @Test
    void eventIdIsTheHighestVersionDeliveredSoFar() {
        FeedSubscription subscription = subscription(null, 10);
        subscription.offer(run("a", 5), DeliveryPath.NOTIFY);
        subscription.offer(run("b", 3), DeliveryPath.NOTIFY);

        long five = RunChangeRecord.Versions.micros(T0.plusMillis(5));
        assertThat(sink.ids).containsExactly(Long.toString(five), Long.toString(five));
    }

    @Test
    void slowTransportKeepsOnlyTheNewestPendingVersionPerRun() {
        FeedSubscription subscription = subscription(null, 10);
        subscription.onWritable();
        sink.ready = false;
        subscription.offer(run("a", 1), DeliveryPath.NOTIFY);
        subscription.offer(run("a", 2), DeliveryPath.NOTIFY);
        subscription.offer(run("a", 1), DeliveryPath.NOTIFY);
        assertThat(subscription.backedUp()).isTrue();

        sink.ready = true;
        subscription.onWritable();

        assertThat(sink.events).containsExactly("run_a@2");
        assertThat(subscription.backedUp()).isFalse();
    }

    @Test
    void overflowDropsTheBufferAndResyncsOnceDrained() {
        FeedSubscription subscription = subscription(null, 2);
        subscription.onWritable();
        sink.ready = false;
        subscription.offer(run("a", 1), DeliveryPath.NOTIFY);
        subscription.offer(run("b", 1), DeliveryPath.NOTIFY);
        subscription.offer(run("c", 1), DeliveryPath.NOTIFY);

        assertThat(subscription.backedUp()).isTrue();
        sink.ready = true;
        subscription.onWritable();

        assertThat(sink.events).isEmpty();
        assertThat(host.resyncs).containsExactly(subscription);
        // The resync's re-read offers the runs again and they are sent.
        subscription.offer(run("a", 1), DeliveryPath.RESYNC);
        subscription.offer(run("c", 1), DeliveryPath.RESYNC);
        assertThat(sink.events).containsExactly("run_a@1", "run_c@1");
    }

    @Test
    void versionsAtOrBeforeTheResumePointAreNotSent() {
        FeedSubscription subscription = subscription(T0.plusMillis(5), 10);
        subscription.offer(run("a", 5), DeliveryPath.INITIAL);
        subscription.offer(run("b", 6), DeliveryPath.INITIAL);
        assertThat(sink.events).containsExactly("run_b@6");
    }

    @Test
    void heartbeatOnlyWhenIdleAndAFailedWriteClosesTheSubscription() {
        FeedSubscription subscription = subscription(null, 10);
        subscription.onWritable();
        subscription.heartbeat();
        assertThat(sink.heartbeats).isEqualTo(1);

        EventSink broken = new ControlledSink() {
            @Override
            public void heartbeat() throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        FeedSubscription gone = new FeedSubscription(new FeedSpec.OneRun("env", "a"), broken, host, null, 10, 100);
        gone.onWritable();
        gone.heartbeat();

        assertThat(gone.isClosed()).isTrue();
        assertThat(host.closed).containsExactly(gone);
    }
}
