package dev.triggerapi.run;

import java.util.Map;

/**
 * A finished run's result in the SDK's {@code TaskRunExecutionResult} shape: {@code ok: true} with the output as
 * the worker sent it (a serialized string and its type, which the SDK deserializes), or {@code ok: false} with a
 * {@code TaskRunError} ({@code BUILT_IN_ERROR}, {@code STRING_ERROR} or {@code INTERNAL_ERROR}).
 *
 * @param ok             whether the run succeeded
 * @param id             public run id
 * @param output         the output as stored, if any (success only)
 * @param outputType     its content type (success only)
 * @param usage          {@code {durationMs}}
 * @param taskIdentifier task slug
 * @param error          the error (failure only)
 */
public record RunExecutionResult(boolean ok, String id, String output, String outputType, Usage usage,
                                 String taskIdentifier, Map<String, Object> error) {

    /** @param durationMs finished − started, 0 when it never started */
    public record Usage(long durationMs) {
    }
}
