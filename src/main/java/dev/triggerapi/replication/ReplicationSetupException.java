package dev.triggerapi.replication;

import java.util.List;

/**
 * PostgreSQL is not set up for runs replication. The message lists every problem found together with the
 * exact SQL that fixes it, so an operator can copy it.
 */
public class ReplicationSetupException extends RuntimeException {

    private final List<Problem> problems;

    public ReplicationSetupException(List<Problem> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String message(List<Problem> problems) {
        StringBuilder sb = new StringBuilder("PostgreSQL is not set up for runs replication (CLICKHOUSE_URL is set):");
        for (Problem p : problems) {
            sb.append("\n - ").append(p.description()).append("\n   Fix: ").append(p.fixSql());
        }
        return sb.toString();
    }

    /**
     * @param description what is wrong
     * @param fixSql      the SQL that fixes it
     */
    public record Problem(String description, String fixSql) {
    }
}
