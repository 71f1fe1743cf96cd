package dev.triggerapi.datasource;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a database that cannot be reached at startup into a short, actionable startup report. */
class DataSourceStartupFailureAnalyzer extends AbstractFailureAnalyzer<DataSourceStartupException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, DataSourceStartupException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Check " + cause.setting() + ": the host, port, database name and credentials must reach a running "
                        + "PostgreSQL server. Leave DATABASE_URL unset to run on the embedded local cluster.",
                cause);
    }
}
