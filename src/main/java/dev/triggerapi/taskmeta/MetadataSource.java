package dev.triggerapi.taskmeta;

import java.util.Locale;

import dev.triggerapi.datasource.ReadSource;

/** Where a task-metadata lookup got its answer; {@link #label()} is the metric label value. */
public enum MetadataSource {
    /** Redis had it: no database query ran. */
    CACHE,
    /** Read on the replica. */
    REPLICA,
    /**
     * Read on the writer: either the replica had no row and the writer re-check found it (the replica is
     * behind), or the lookup reads the writer only (the current worker, a version's worker).
     */
    WRITER,
    /** Neither the cache nor the database has metadata for the task. */
    MISS;

    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }

    static MetadataSource of(ReadSource source) {
        return switch (source) {
            case REPLICA -> REPLICA;
            case WRITER -> WRITER;
            case NONE -> MISS;
        };
    }
}
