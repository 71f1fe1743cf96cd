package dev.triggerapi.realtime;

import java.time.Duration;

/**
 * Where the feed's pieces run work: {@link #execute} on the worker pool (database reads), {@link #later} after a
 * timer delay, so waiting holds neither a thread nor a connection. Both silently drop the task once the feed is
 * stopping. Implemented by {@link RunFeedHub}, which owns the threads.
 */
interface FeedScheduler {

    /** Runs {@code task} on a worker thread. */
    void execute(Runnable task);

    /** Runs {@code task} on a worker thread after {@code delay} (at once when it is zero or negative). */
    void later(Duration delay, Runnable task);
}
