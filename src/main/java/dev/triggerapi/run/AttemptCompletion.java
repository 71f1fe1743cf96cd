package dev.triggerapi.run;

/**
 * How an attempt ended, as the runner reports it.
 *
 * @param ok           true for success
 * @param output       the task's output (serialized as the runner sent it), success only
 * @param outputType   the output's content type, success only
 * @param error        the failure, failure only
 * @param skipRetrying true when the failure must not be retried (e.g. an abort the task asked for)
 */
public record AttemptCompletion(boolean ok, String output, String outputType, RunError error, boolean skipRetrying) {

    public static AttemptCompletion success(String output, String outputType) {
        return new AttemptCompletion(true, output, outputType, null, false);
    }

    public static AttemptCompletion failure(RunError error) {
        return new AttemptCompletion(false, null, null, error, false);
    }
}
