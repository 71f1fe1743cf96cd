package dev.triggerapi.datasource;

/** Where a replica-first read found its answer. */
public enum ReadSource {
    /** The read replica had the row. */
    REPLICA,
    /** The replica had no row; the writer re-check found it (the replica is behind). */
    WRITER,
    /** Neither had it: a genuine miss. */
    NONE
}
