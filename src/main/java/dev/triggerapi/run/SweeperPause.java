package dev.triggerapi.run;

/**
 * A cluster-wide pause for the run sweeper. Every sweep transaction first takes a <em>shared</em> PostgreSQL
 * advisory lock on {@link #LOCK_KEY} with {@code pg_try_advisory_xact_lock_shared}, and skips its tick when it
 * cannot; whoever holds the <em>exclusive</em> lock ({@code SELECT pg_advisory_lock(LOCK_KEY)} on a connection
 * of its own, released with {@code pg_advisory_unlock}) therefore stops every instance's sweeps, and taking it
 * waits for sweeps already running to commit. Tests use it to compare the database before and after a request
 * without background expiry or requeueing changing it in between; operators can use it the same way during
 * maintenance. Sweeps never wait on it, so a forgotten lock only delays expiry, it never blocks a request.
 */
public final class SweeperPause {

    /** The advisory lock key (an arbitrary constant, spelled "sweeper" in ASCII). */
    public static final long LOCK_KEY = 0x73_77_65_65_70_65_72L;

    private SweeperPause() {
    }
}
