package dev.triggerapi.replication;

/**
 * Thrown inside the stream when this instance no longer certainly holds the leader lock: the batch is not
 * written and not acknowledged. Losing the election is normal, so it never triggers the error strategy.
 */
final class LeadershipLostException extends RuntimeException {

    LeadershipLostException(String message) {
        super(message, null, false, false);
    }
}
