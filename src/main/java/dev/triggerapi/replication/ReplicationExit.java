package dev.triggerapi.replication;

/**
 * Ends the process for the {@code exit} error strategy. The default calls {@link System#exit(int)} (which runs
 * the graceful shutdown); tests supply their own so the test JVM survives.
 */
@FunctionalInterface
public interface ReplicationExit {

    void exit(int code);

    /** The real one. */
    static ReplicationExit system() {
        return System::exit;
    }
}
