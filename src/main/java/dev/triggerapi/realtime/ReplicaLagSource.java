package dev.triggerapi.realtime;

/**
 * A way to measure how far the read replica is behind the writer. Sources are tried in order and the first
 * one that does not answer {@link LagReading.Kind#UNSUPPORTED} is kept.
 */
interface ReplicaLagSource {

    /** Short bounded name for logs and the {@code source} metric label. */
    String name();

    /**
     * Takes one reading. A runtime exception (database unreachable, timeout) counts as "unknown" for this
     * sample and does not disqualify the source.
     */
    LagReading read();
}
