package dev.triggerapi.replication;

import java.time.Duration;

/** Lets a stream's retry waits end at once when the stream is being stopped (lock lost, shutdown). */
final class StopSignal {

    private boolean stopped;

    synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    synchronized boolean isStopped() {
        return stopped;
    }

    /** Waits up to {@code duration}; returns false if a stop was requested meanwhile. */
    synchronized boolean sleep(Duration duration) throws InterruptedException {
        long deadline = System.nanoTime() + duration.toNanos();
        while (!stopped) {
            long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMs <= 0) {
                return true;
            }
            wait(remainingMs);
        }
        return false;
    }
}
