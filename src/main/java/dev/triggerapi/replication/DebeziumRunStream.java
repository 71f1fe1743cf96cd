package dev.triggerapi.replication;

import java.io.IOException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.triggerapi.concurrent.DaemonThreads;
import io.debezium.connector.postgresql.PostgresConnector;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds and runs the embedded Debezium PostgreSQL engine that streams {@code task_runs} through
 * {@code pgoutput}.
 *
 * <p>Settings that matter: {@code errors.max.retries=0} so a lost replication connection ends the engine
 * instead of being retried inside it (the replicator's error strategy owns recovery);
 * {@code provide.transaction.metadata=true} for commit LSNs; {@code max.batch.size} / {@code poll.interval.ms}
 * cut batches at the flush size (of rows) and interval; change events arrive as Kafka Connect {@code Struct}s
 * ({@code Connect} format, no JSON round trip); offsets go to {@link WriterOffsetBackingStore} whenever the
 * handler acknowledges a position.
 */
final class DebeziumRunStream {

    /** How often Debezium emits a heartbeat record when the stream has nothing else to deliver. */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(DebeziumRunStream.class);

    private final RunReplicationProperties settings;
    private final WriterConnection writer;
    private final String schema;

    DebeziumRunStream(RunReplicationProperties settings, WriterConnection writer, String schema) {
        this.settings = settings;
        this.writer = writer;
        this.schema = schema;
    }

    /** The engine's name; it also keys the stored offsets, so it depends on the slot only. */
    String engineName() {
        return "runs-replication-" + settings.slotName();
    }

    /** The engine's configuration. */
    Properties properties() {
        Properties p = new Properties();
        p.setProperty("name", engineName());
        p.setProperty("connector.class", PostgresConnector.class.getName());
        p.setProperty("offset.storage", WriterOffsetBackingStore.class.getName());
        p.setProperty(WriterOffsetBackingStore.URL, writer.jdbcUrl());
        p.setProperty(WriterOffsetBackingStore.USER, writer.user());
        p.setProperty(WriterOffsetBackingStore.PASSWORD, writer.password());
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("offset.flush.timeout.ms", "10000");
        p.setProperty("topic.prefix", settings.slotName());
        p.setProperty("database.hostname", writer.host());
        p.setProperty("database.port", Integer.toString(writer.port()));
        p.setProperty("database.user", writer.user());
        p.setProperty("database.password", writer.password());
        p.setProperty("database.dbname", writer.database());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", settings.slotName());
        p.setProperty("publication.name", settings.publicationName());
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("table.include.list", schema + "\\." + ReplicationSetupValidator.TABLE);
        p.setProperty("column.include.list", ClickHouseRunRows.SOURCE_COLUMNS.stream()
                .map(c -> schema + "\\." + ReplicationSetupValidator.TABLE + "\\." + c)
                .collect(Collectors.joining(",")));
        // A snapshot when no offsets record a finished one (first start), and again when the stored position is
        // no longer in the slot (the slot was lost, e.g. after a failover to a server without it): the changes
        // in between are gone from the WAL, a fresh snapshot is the only way not to miss them.
        p.setProperty("snapshot.mode", "when_needed");
        p.setProperty("provide.transaction.metadata", "true");
        p.setProperty("errors.max.retries", "0");
        // A batch is cut when it holds max.batch.size records or poll.interval.ms after the poll began. Debezium counts
        // the BEGIN/END markers too, up to two per row change: three times the flush size makes a full batch carry
        // at least the flush size of rows. The queue holds a second batch, so pgoutput keeps being decoded while
        // the handler converts and inserts. poll.interval.ms is also how long Debezium's decoding thread sleeps
        // whenever the replication connection has nothing pending, so it is kept short (pollInterval()); the sink
        // gathers the short batches into inserts of up to one flush interval (ClickHouseBatchSink).
        p.setProperty("max.batch.size", Integer.toString(maxBatchRecords()));
        p.setProperty("max.queue.size", Integer.toString(maxBatchRecords() * 2));
        p.setProperty("poll.interval.ms", Long.toString(pollInterval().toMillis()));
        // A heartbeat record every second, also when no row changes: an idle stream's handler still runs, so it
        // acknowledges the inserts it left in flight (ClickHouseBatchSink pipelines every batch with rows) and the
        // slot's confirmed position keeps moving when other tables' writes fill the WAL.
        p.setProperty("heartbeat.interval.ms", Long.toString(HEARTBEAT.toMillis()));
        p.setProperty("converters", "micros");
        p.setProperty("micros.type", TimestampMicrosConverter.class.getName());
        p.setProperty("snapshot.fetch.size", "2000");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("record.processing.threads", "1");
        p.setProperty("status.update.interval.ms", "1000");
        return p;
    }

    /**
     * Debezium's {@code poll.interval.ms}: 50 ms, or the flush interval when that is shorter. With the flush interval
     * itself (200 ms) the decoding thread slept up to 200 ms at every pause in the replication stream and a batch
     * waited up to another 200 ms to be cut, before the insert began.
     */
    Duration pollInterval() {
        Duration cap = Duration.ofMillis(50);
        return settings.flushInterval().compareTo(cap) < 0 ? settings.flushInterval() : cap;
    }

    /** Debezium's {@code max.batch.size}: records (row changes and transaction markers) per batch. */
    int maxBatchRecords() {
        return settings.flushBatchSize() * 3;
    }

    /** Callbacks from the engine's threads. */
    interface Listener {
        /** The connector task runs: the replication connection is open and streaming. */
        void streaming();

        /** The engine ended; {@code error} is null after a requested stop. */
        void stopped(boolean success, String message, Throwable error);
    }

    /**
     * Starts an engine on its own thread. {@code prepare} runs first on that thread (it may do slow I/O that
     * must not block the caller); if it fails, the engine never runs and the listener hears the failure.
     */
    RunningEngine start(Runnable prepare, ClickHouseBatchSink handler, StopSignal stop, Listener listener, int generation) {
        CountDownLatch finished = new CountDownLatch(1);
        DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine
                .create(ChangeEventFormat.of(Connect.class))
                .using(properties())
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        listener.streaming();
                    }
                })
                .using((success, message, error) -> {
                    try {
                        handler.close();
                        listener.stopped(success, message, error);
                    } finally {
                        finished.countDown();
                    }
                })
                .notifying(handler)
                .build();
        RunningEngine running = new RunningEngine(engine, stop, finished, "runs-replication-" + settings.slotName() + "-" + generation);
        DaemonThreads.thread(running.name, () -> {
            try {
                prepare.run();
            } catch (RuntimeException e) {
                handler.close();
                listener.stopped(false, "preparing the stream failed", e);
                finished.countDown();
                return;
            }
            if (running.stopRequested()) {
                handler.close();
                listener.stopped(true, "stopped before it started", null);
                finished.countDown();
                return;
            }
            engine.run();
        }).start();
        return running;
    }

    /** A started engine: stop it from any thread, wait for it to end. */
    static final class RunningEngine {
        private final DebeziumEngine<?> engine;
        private final StopSignal stop;
        private final CountDownLatch finished;
        private final String name;
        private volatile boolean stopRequested;

        RunningEngine(DebeziumEngine<?> engine, StopSignal stop, CountDownLatch finished, String name) {
            this.engine = engine;
            this.stop = stop;
            this.finished = finished;
            this.name = name;
        }

        boolean stopRequested() {
            return stopRequested;
        }

        boolean isFinished() {
            return finished.getCount() == 0;
        }

        /**
         * Asks the engine to stop, without waiting. Debezium refuses a stop while its task is starting (to not
         * leak the connection being opened), so the stop is retried until the task is up or the engine ended.
         */
        void requestStop() {
            stopRequested = true;
            stop.stop();
            DaemonThreads.thread(name + "-stop", () -> {
                while (!isFinished()) {
                    try {
                        engine.close();
                        return;
                    } catch (IllegalStateException e) {
                        if (e.getMessage() != null && e.getMessage().contains("already")) {
                            return;
                        }
                        sleepQuietly(50);
                    } catch (IOException | RuntimeException e) {
                        log.warn("Stopping the replication engine {} failed: {}", name, e.getMessage());
                        return;
                    }
                }
            }).start();
        }

        /** Waits for the engine to end; true if it did. */
        boolean awaitFinished(Duration timeout) throws InterruptedException {
            return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        private static void sleepQuietly(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
