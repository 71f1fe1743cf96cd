package dev.triggerapi.replication;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import dev.triggerapi.concurrent.DaemonThreads;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import dev.triggerapi.replication.ReplicationMetrics.Stage;

/**
 * Receives Debezium's batches ({@link DebeziumRunStream} cuts them at {@code max.batch.size} records or
 * {@code poll.interval.ms}), turns them into ClickHouse rows and inserts them, and acknowledges a position only
 * once ClickHouse has every row up to it.
 *
 * <p><b>Adaptive inserts.</b> Debezium hands over what it decoded every {@code poll.interval.ms} (short, so that
 * decoding never sleeps long: {@link DebeziumRunStream}); this sink gathers those batches into one insert and sends
 * it when it holds as many changes as arrive in one flush interval at the current rate (an exponentially weighted
 * estimate; at most the flush size), when its oldest change has waited the flush interval, or when the stream is
 * idle. A trickle is therefore inserted at once, a heavy stream in inserts of about one flush interval each. While
 * {@code maxInFlight} inserts are outstanding, a due insert goes on gathering (up to the flush size) rather than
 * making the engine wait: inserts grow as ClickHouse slows down.
 *
 * <p><b>Pipelining.</b> An insert runs on an insert thread while the engine polls and converts the next
 * batches; at most {@code maxInFlight} inserts are outstanding, a further one waits for the oldest. Inserts may
 * finish in any order (the version makes that harmless), but acknowledgements follow stream order: a position is
 * marked processed only when its insert and every earlier one succeeded. Each call acknowledges what has finished
 * by then without waiting for the rest, so the engine goes straight back to polling while inserts run. A batch
 * without rows (Debezium's heartbeat, {@code heartbeat.interval.ms}, or only transaction markers) means the stream
 * is idle: then the handler waits for everything in flight and acknowledges it, so an idle stream has nothing
 * unacknowledged for longer than one heartbeat. (Waiting on every batch that was not full, as before, made the
 * engine sit out each insert whenever the stream kept up, so the stream fell behind a steady write rate until its
 * batches filled up.) All calls on Debezium's committer stay on the engine's thread (the engine uses the same
 * committer for its own empty polls). A failed insert (retries exhausted, leadership lost) is reported at once
 * ({@link Progress#insertFailed}, so an idle stream does not sit on it) and rethrown on the engine's thread with the
 * next batch; its batch and every later one stay unacknowledged and are streamed again after recovery.
 *
 * <p><b>Versions.</b> ClickHouse keeps the row with the highest {@code _version}; it must be the commit LSN,
 * the order in which PostgreSQL made changes visible. A change event carries only its own LSN, which can be
 * older than the initial snapshot's position for a transaction that began before the snapshot and committed
 * after it, so the rows of a transaction are held until its END event (transaction metadata is on) and then
 * all get the END's LSN, the commit position. Snapshot rows get the snapshot's LSN. Within one batch, the last
 * change of each run wins, so several updates of a run in one transaction never tie.
 *
 * <p>A transaction whose END has not arrived by the end of a batch is carried over; the position acknowledged is
 * the last one outside any open transaction.
 */
final class ClickHouseBatchSink implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>, AutoCloseable {

    /** Progress reported after each acknowledged position (for health). */
    interface Progress {
        void flushed(Long commitLsn, Long lagMillis);

        /**
         * An insert failed for good (retries exhausted, leadership lost). Called on the insert thread at once: the
         * engine thread would only see it with the next batch, which an idle stream never delivers.
         */
        void insertFailed(Throwable error);
    }

    private final ClickHouseRunWriter writer;
    private final BooleanSupplier leader;
    private final StopSignal stop;
    private final Clock clock;
    private final ReplicationMetrics metrics;
    private final Progress progress;
    private final int maxInFlight;
    private final int flushRows;
    private final long flushIntervalNanos;
    private final ExecutorService inserts;

    /** Changes gathered for the next insert, the position after them and the commit LSN they reach. */
    private final List<Change> buffered = new ArrayList<>();
    private RecordChangeEvent<SourceRecord> bufferedLastSafe;
    private Long bufferedCommitLsn;
    private long bufferedSinceNanos = -1;
    /** Changes per second reaching the sink, exponentially weighted over about a second. */
    private double ratePerSecond;
    private long lastCallNanos = -1;

    /** Inserts sent and not yet acknowledged, in stream order. */
    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    private final List<Change> openTransaction = new ArrayList<>();
    private boolean inTransaction;
    private long lastBatchEndedNanos = -1;

    /**
     * @param maxInFlight   inserts outstanding at once (1 = no pipelining)
     * @param flushRows     changes that make an insert full
     * @param flushInterval how long a change may wait in the sink for others to join its insert
     */
    ClickHouseBatchSink(ClickHouseRunWriter writer, BooleanSupplier leader, StopSignal stop, Clock clock,
                     ReplicationMetrics metrics, Progress progress, int maxInFlight, int flushRows,
                     Duration flushInterval, String threadName) {
        this.writer = writer;
        this.leader = leader;
        this.stop = stop;
        this.clock = clock;
        this.metrics = metrics;
        this.progress = progress;
        this.maxInFlight = maxInFlight;
        this.flushRows = flushRows;
        this.flushIntervalNanos = flushInterval.toNanos();
        this.inserts = Executors.newFixedThreadPool(maxInFlight, DaemonThreads.named(threadName));
    }

    private record Change(String runId, Map<String, Object> row, long commitMillis) {
        Change withVersion(long version) {
            Map<String, Object> copy = new LinkedHashMap<>(row);
            copy.put("_version", version);
            return new Change(runId, copy, commitMillis);
        }

        long version() {
            return ((Number) row.get("_version")).longValue();
        }
    }

    /** A batch sent to ClickHouse: what to acknowledge once its insert succeeded. */
    private record Pending(Future<?> insert, RecordChangeEvent<SourceRecord> lastSafe, Long commitLsn, int changes) {
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        long started = System.nanoTime();
        if (lastBatchEndedNanos >= 0) {
            metrics.stage(Stage.POLL, started - lastBatchEndedNanos);
        }
        int before = buffered.size();
        int changeEvents = 0;
        for (RecordChangeEvent<SourceRecord> event : records) {
            SourceRecord record = event.record();
            if (record.value() instanceof Struct value) {
                if (value.schema().field("op") == null) {
                    if (value.schema().field("status") != null) {
                        String status = value.getString("status");
                        if ("BEGIN".equals(status)) {
                            inTransaction = true;
                            openTransaction.clear();
                        } else if ("END".equals(status)) {
                            long lsn = lsn(record.sourceOffset());
                            for (Change change : openTransaction) {
                                buffered.add(change.withVersion(lsn));
                            }
                            openTransaction.clear();
                            inTransaction = false;
                            bufferedCommitLsn = lsn;
                        }
                    }
                } else {
                    changeEvents++;
                    change(value, buffered);
                }
            }
            if (!inTransaction) {
                bufferedLastSafe = event;
            }
        }
        long converted = System.nanoTime();
        metrics.stage(Stage.CONVERT, converted - started);
        int arrived = buffered.size() - before;
        if (lastCallNanos >= 0 && started > lastCallNanos) {
            double seconds = (started - lastCallNanos) / 1e9;
            double weight = Math.min(1.0, seconds);
            ratePerSecond = (1 - weight) * ratePerSecond + weight * (arrived / seconds);
        }
        lastCallNanos = started;
        if (arrived > 0 && bufferedSinceNanos < 0) {
            bufferedSinceNanos = started;
        }
        // No row change in this batch and no transaction open (a heartbeat, markers): the stream is idle, so insert
        // what is gathered. (Rows of a transaction whose END is in the next batch are activity, not idleness.)
        boolean idle = arrived == 0 && changeEvents == 0 && !inTransaction;
        double expected = Math.max(1, Math.min(flushRows, ratePerSecond * flushIntervalNanos / 1e9));

        boolean due = buffered.size() >= expected || converted - bufferedSinceNanos >= flushIntervalNanos;
        // While maxInFlight inserts are outstanding, a due insert keeps gathering instead of waiting for a slot (up
        // to the flush size): slow inserts make larger ones, so the stream's throughput follows ClickHouse's latency.
        if (!buffered.isEmpty() && (buffered.size() >= flushRows || idle || (due && countInserts() < maxInFlight))) {
            List<Map<String, Object>> rows = collapse(buffered);
            long[] commitMillis = buffered.stream().mapToLong(Change::commitMillis).filter(c -> c >= 0).toArray();
            int changes = buffered.size();
            metrics.stage(Stage.BUFFER, System.nanoTime() - converted);
            awaitRoomForInsert(committer);
            metrics.insertStarted();
            Future<?> insert;
            try {
                insert = inserts.submit(() -> {
                    try {
                        insert(rows, commitMillis);
                    } catch (RuntimeException e) {
                        progress.insertFailed(e);
                        throw e;
                    } finally {
                        metrics.insertEnded();
                    }
                    return null;
                });
            } catch (RuntimeException e) {
                metrics.insertEnded();
                throw e;
            }
            inFlight.add(new Pending(insert, bufferedLastSafe, bufferedCommitLsn, changes));
            buffered.clear();
            bufferedLastSafe = null;
            bufferedCommitLsn = null;
            bufferedSinceNanos = -1;
        } else if (buffered.isEmpty() && bufferedLastSafe != null) {
            // Only transaction markers or a heartbeat (or rows of a transaction still open): the position still
            // moves, after what is in flight.
            inFlight.add(new Pending(CompletableFuture.completedFuture(null), bufferedLastSafe, bufferedCommitLsn, 0));
            bufferedLastSafe = null;
            bufferedCommitLsn = null;
        }
        acknowledge(committer, idle);
        lastBatchEndedNanos = System.nanoTime();
    }

    private void change(Struct value, List<Change> ready) {
        String op = value.getString("op");
        Struct source = value.getStruct("source");
        boolean delete = "d".equals(op);
        Struct image = delete ? value.getStruct("before") : value.getStruct("after");
        if (image == null) {
            return;
        }
        Long ownLsn = source.getInt64("lsn");
        Long tsMs = source.getInt64("ts_ms");
        Long decodedMs = value.getInt64("ts_ms");
        if (!"r".equals(op) && tsMs != null && decodedMs != null) {
            metrics.decoded(decodedMs - tsMs);
        }
        Change change = new Change(image.getString("id"), ClickHouseRunRows.toClickHouse(image, ownLsn == null ? 0 : ownLsn, delete),
                "r".equals(op) || tsMs == null ? -1 : tsMs);
        if ("r".equals(op) || !inTransaction) {
            // A snapshot row (version: the snapshot's LSN), or a change without transaction metadata.
            ready.add(change);
        } else {
            openTransaction.add(change);
        }
    }

    /** Runs on an insert thread. */
    private void insert(List<Map<String, Object>> rows, long[] commitMillis) throws InterruptedException {
        long started = System.nanoTime();
        writer.write(rows, leader, stop);
        metrics.stage(Stage.INSERT, System.nanoTime() - started);
        long now = clock.millis();
        for (long commit : commitMillis) {
            metrics.lag(now - commit);
        }
    }

    private void awaitRoomForInsert(DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        if (countInserts() < maxInFlight) {
            return;
        }
        long started = System.nanoTime();
        while (countInserts() >= maxInFlight) {
            awaitHead();
        }
        metrics.stage(Stage.INSERT_WAIT, System.nanoTime() - started);
        acknowledge(committer, false);
    }

    private int countInserts() {
        int n = 0;
        for (Pending p : inFlight) {
            if (!p.insert().isDone()) {
                n++;
            }
        }
        return n;
    }

    /** Waits for the oldest outstanding insert; a failure is rethrown here, on the engine's thread. */
    private void awaitHead() throws InterruptedException {
        Pending head = inFlight.peekFirst();
        for (Pending p : inFlight) {
            if (!p.insert().isDone()) {
                head = p;
                break;
            }
        }
        if (head != null) {
            result(head);
        }
    }

    /**
     * Acknowledges the longest prefix of {@link #inFlight} whose inserts succeeded; with {@code all}, waits for
     * every outstanding insert first.
     */
    private void acknowledge(DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer, boolean all)
            throws InterruptedException {
        if (all && countInserts() > 0) {
            long started = System.nanoTime();
            for (Pending p : inFlight) {
                result(p);
            }
            metrics.stage(Stage.INSERT_WAIT, System.nanoTime() - started);
        }
        RecordChangeEvent<SourceRecord> last = null;
        Long commitLsn = null;
        int changes = 0;
        while (!inFlight.isEmpty() && inFlight.peekFirst().insert().isDone()) {
            Pending done = inFlight.peekFirst();
            result(done);
            inFlight.removeFirst();
            last = done.lastSafe() != null ? done.lastSafe() : last;
            commitLsn = done.commitLsn() != null ? done.commitLsn() : commitLsn;
            changes += done.changes();
        }
        if (last == null) {
            return;
        }
        long started = System.nanoTime();
        // One offset per position is enough: offsets of one partition replace each other, so marking the last
        // record stores what marking every record before it would.
        committer.markProcessed(last);
        committer.markBatchFinished();
        metrics.stage(Stage.ACKNOWLEDGE, System.nanoTime() - started);
        metrics.changesAcknowledged(changes);
        Long lag = metrics.lastLagMillis();
        progress.flushed(commitLsn, lag);
    }

    private static void result(Pending pending) throws InterruptedException {
        try {
            pending.insert().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Ends the insert threads; inserts still running are abandoned unacknowledged (re-sent after a restart). */
    @Override
    public void close() {
        inserts.shutdownNow();
    }

    /** One row per run: the highest version, and of equal versions the later change. */
    private static List<Map<String, Object>> collapse(List<Change> changes) {
        Map<String, Change> latest = new LinkedHashMap<>();
        for (Change change : changes) {
            Change previous = latest.get(change.runId());
            if (previous == null || change.version() >= previous.version()) {
                latest.put(change.runId(), change);
            }
        }
        return latest.values().stream().map(Change::row).toList();
    }

    private static long lsn(Map<String, ?> sourceOffset) {
        Object lsn = sourceOffset.get("lsn");
        if (!(lsn instanceof Number n)) {
            throw new IllegalStateException("Transaction END without an LSN in its offset: " + sourceOffset);
        }
        return n.longValue();
    }
}
