package dev.triggerapi.datasource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether read-only work may use the replica. Opens on a replica connection failure (or a failed probe) and
 * stays open until a probe succeeds again, so a dead replica costs one fast failure instead of a connection
 * timeout per request. Pure state: the probing lives in {@link ReplicaFailoverDataSource}.
 */
public final class ReplicaCircuitBreaker {

    private final Clock clock;
    private final AtomicReference<State> state;

    public ReplicaCircuitBreaker(Clock clock) {
        this.clock = clock;
        this.state = new AtomicReference<>(new State(false, null, null));
    }

    /** True while the replica is considered usable. */
    public boolean replicaAvailable() {
        return !state.get().open;
    }

    /** Records a replica failure; returns true if this call opened the breaker. */
    public boolean recordFailure(String reason) {
        State previous = state.getAndUpdate(s -> s.open ? s : new State(true, clock.instant(), reason));
        return !previous.open;
    }

    /** Records a successful probe; returns true if this call closed the breaker. */
    public boolean recordSuccess() {
        State previous = state.getAndUpdate(s -> s.open ? new State(false, null, null) : s);
        return previous.open;
    }

    /** How long the breaker has been open, or {@link Duration#ZERO} when closed. */
    public Duration openFor() {
        State s = state.get();
        return s.open ? Duration.between(s.openedAt, clock.instant()) : Duration.ZERO;
    }

    /** Why the breaker opened, or {@code null} when closed. */
    public String reason() {
        return state.get().reason;
    }

    private record State(boolean open, Instant openedAt, String reason) {
    }
}
