package dev.triggerapi.bench;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What the load test saw per request kind: a latency histogram (µs, HdrHistogram), every HTTP status code, and
 * requests that got no answer (client timeout, or a transport error such as a reset connection). Thread-safe.
 */
final class LoadStats {

    /** The request kinds of the load test: four trigger flavours, then the runner's three calls. */
    enum Kind {
        PLAIN("trigger, plain"),
        IDEMPOTENT("trigger, idempotency key"),
        DELAYED("trigger, delayed"),
        LOCKED("trigger, lockToVersion"),
        DEQUEUE("runner: dequeue"),
        START("runner: start attempt"),
        COMPLETE("runner: complete attempt");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        boolean trigger() {
            return ordinal() <= LOCKED.ordinal();
        }
    }

    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);

    private final Map<Kind, ConcurrentHistogram> latencies = new EnumMap<>(Kind.class);
    private final Map<Kind, Map<Integer, LongAdder>> statuses = new EnumMap<>(Kind.class);
    private final Map<Kind, LongAdder> timeouts = new EnumMap<>(Kind.class);
    private final Map<Kind, Map<String, LongAdder>> transportErrors = new EnumMap<>(Kind.class);

    LoadStats() {
        for (Kind kind : Kind.values()) {
            latencies.put(kind, new ConcurrentHistogram(HIGHEST_MICROS, 3));
            statuses.put(kind, new ConcurrentHashMap<>());
            timeouts.put(kind, new LongAdder());
            transportErrors.put(kind, new ConcurrentHashMap<>());
        }
    }

    /** An answer with {@code status} after {@code nanos}. */
    void answered(Kind kind, int status, long nanos) {
        latencies.get(kind).recordValue(Math.min(HIGHEST_MICROS, Math.max(1, nanos / 1000)));
        statuses.get(kind).computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    void timedOut(Kind kind) {
        timeouts.get(kind).increment();
    }

    void transportError(Kind kind, Throwable error) {
        transportErrors.get(kind).computeIfAbsent(error.getClass().getSimpleName(), e -> new LongAdder()).increment();
    }

    long answers(Kind kind) {
        return latencies.get(kind).getTotalCount();
    }

    long timeouts(Kind kind) {
        return timeouts.get(kind).sum();
    }

    long transportErrors(Kind kind) {
        return transportErrors.get(kind).values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Answers of {@code kind} whose status is in [{@code from}, {@code to}]. */
    long statusesBetween(Kind kind, int from, int to) {
        return statuses.get(kind).entrySet().stream().filter(e -> e.getKey() >= from && e.getKey() <= to)
                .mapToLong(e -> e.getValue().sum()).sum();
    }

    long statusesBetween(int from, int to) {
        long total = 0;
        for (Kind kind : Kind.values()) {
            total += statusesBetween(kind, from, to);
        }
        return total;
    }

    /** "200×1234, 409×2" in status order. */
    String statusSummary(Kind kind) {
        Map<Integer, Long> sorted = new TreeMap<>();
        statuses.get(kind).forEach((status, count) -> sorted.put(status, count.sum()));
        StringBuilder out = new StringBuilder();
        sorted.forEach((status, count) -> out.append(out.isEmpty() ? "" : ", ").append(status).append(" × ").append(count));
        transportErrors.get(kind).forEach((error, count) ->
                out.append(out.isEmpty() ? "" : ", ").append(error).append(" × ").append(count.sum()));
        return out.isEmpty() ? "–" : out.toString();
    }

    /** Latencies of every answered request of the given kinds, merged. */
    Histogram histogram(Kind... kinds) {
        Histogram merged = new Histogram(HIGHEST_MICROS, 3);
        for (Kind kind : kinds) {
            merged.add(latencies.get(kind));
        }
        return merged;
    }
}
