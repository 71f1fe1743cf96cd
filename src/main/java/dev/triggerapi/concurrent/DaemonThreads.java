package dev.triggerapi.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The daemon threads of the service's background executors (sweeper, scheduler, probes, feeds, replication).
 * Daemon so that a component that was never stopped (a failed start, a test context) cannot keep the JVM alive;
 * named so that a thread dump says which feature a thread works for.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** A factory whose threads are all called {@code name} (single-thread executors, or a pool named as one). */
    public static ThreadFactory named(String name) {
        return runnable -> thread(name, runnable);
    }

    /** A factory whose threads are called {@code prefix-1}, {@code prefix-2}, ... */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> thread(prefix + "-" + n.incrementAndGet(), runnable);
    }

    /** A daemon thread called {@code name} running {@code task}, not started yet. */
    public static Thread thread(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
