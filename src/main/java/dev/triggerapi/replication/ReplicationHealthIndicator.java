package dev.triggerapi.replication;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health component {@code replication}: UP while streaming or standing by as a non-leader (or starting), DOWN
 * when the stream was stopped by an error (reconnecting, or staying stopped), UNKNOWN before start and after
 * shutdown. Details: leader, state, the last
 * commit LSN and lag written to ClickHouse, reconnect attempts and the last error.
 */
final class ReplicationHealthIndicator implements HealthIndicator {

    private final RunReplicator replicator;

    ReplicationHealthIndicator(RunReplicator replicator) {
        this.replicator = replicator;
    }

    @Override
    public Health health() {
        RunReplicator.Status status = replicator.status();
        Health.Builder builder = switch (status.state()) {
            case STANDBY, STARTING, STREAMING -> Health.up();
            case RECONNECTING, FAILED -> Health.down();
            // Not started yet or shut down: says nothing about the stream.
            case STOPPED -> Health.unknown();
        };
        builder.withDetail("state", status.state().name())
                .withDetail("leader", status.leader())
                .withDetail("slot", replicator.slotName());
        if (status.lastCommitLsn() != null) {
            builder.withDetail("lastCommitLsn", status.lastCommitLsn());
        }
        if (status.lagMillis() != null) {
            builder.withDetail("lagMs", status.lagMillis());
        }
        if (status.reconnectAttempt() > 0) {
            builder.withDetail("reconnectAttempt", status.reconnectAttempt());
        }
        if (status.lastError() != null && status.state() != RunReplicator.State.STREAMING) {
            builder.withDetail("lastError", status.lastError());
        }
        return builder.build();
    }
}
