package dev.triggerapi.realtime;

import java.util.Locale;

/** Why a run version was delivered; the bounded {@code path} label of the delivery metrics. */
enum DeliveryPath {
    /** The subscription's current state (first events of a subscription or a resume). */
    INITIAL,
    /** A change record hydrated fresh on the first read. */
    NOTIFY,
    /** A change record whose row was stale at first and fresh on a tripwire re-read. */
    STALE_RETRY,
    /** A stale row re-read after the retries ran out (the replica caught up late). */
    LATE,
    /** The periodic backstop poll found a version no notification delivered. */
    BACKSTOP,
    /** Re-read after the subscriber's buffer overflowed and was dropped. */
    RESYNC;

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the delivery follows a change record, so commit-to-delivery latency is meaningful. */
    boolean changeDriven() {
        return this != INITIAL && this != RESYNC;
    }
}
