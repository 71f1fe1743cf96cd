package dev.triggerapi.replication;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Prints a replication setup problem at startup as a short report whose action is the fix SQL. */
class ReplicationSetupFailureAnalyzer extends AbstractFailureAnalyzer<ReplicationSetupException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ReplicationSetupException cause) {
        StringBuilder action = new StringBuilder("Run this SQL on the writer (as a superuser or the table owner), "
                + "or unset CLICKHOUSE_URL to run without replication:");
        for (ReplicationSetupException.Problem p : cause.problems()) {
            action.append("\n    ").append(p.fixSql());
        }
        return new FailureAnalysis(cause.getMessage(), action.toString(), cause);
    }
}
