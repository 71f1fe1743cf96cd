package dev.triggerapi.run;

import java.time.Instant;

/**
 * A heartbeat's answer.
 *
 * @param ok             always true (a heartbeat that fails is a 404 or 409)
 * @param leaseExpiresAt the runner's new lease deadline
 */
public record HeartbeatResult(boolean ok, Instant leaseExpiresAt) {
}
