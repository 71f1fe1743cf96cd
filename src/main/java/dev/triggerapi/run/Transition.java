package dev.triggerapi.run;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.triggerapi.snapshot.ExecutionStatus;

/**
 * One state change of a run: its new status, the execution snapshot that records it, and the other
 * columns the change sets. Column names are constants of the engine, never request input.
 */
final class Transition {

    final RunStatus status;
    final ExecutionStatus executionStatus;
    final String description;
    int attemptNumber;
    /** column → SQL expression (may reference {@code :name} parameters in {@link #parameters}). */
    final Map<String, String> assignments = new LinkedHashMap<>();
    final Map<String, Object> parameters = new LinkedHashMap<>();

    private Transition(RunStatus status, ExecutionStatus executionStatus, String description, int attemptNumber) {
        this.status = status;
        this.executionStatus = executionStatus;
        this.description = description;
        this.attemptNumber = attemptNumber;
    }

    static Transition of(LockedRun run, RunStatus status, ExecutionStatus executionStatus, String description) {
        return new Transition(status, executionStatus, description, run.attemptNumber());
    }

    Transition attempt(int attemptNumber) {
        this.attemptNumber = attemptNumber;
        return this;
    }

    /** {@code column = value}. */
    Transition set(String column, Object value) {
        assignments.put(column, ":" + column);
        parameters.put(column, value);
        return this;
    }

    /** {@code column = CAST(value AS jsonb)}. */
    Transition setJson(String column, String json) {
        assignments.put(column, "CAST(:" + column + " AS jsonb)");
        parameters.put(column, json);
        return this;
    }

    /** {@code column = expression}, for expressions over the row itself (e.g. {@code COALESCE}). */
    Transition setExpression(String column, String expression, Map<String, Object> expressionParameters) {
        assignments.put(column, expression);
        parameters.putAll(expressionParameters);
        return this;
    }
}
