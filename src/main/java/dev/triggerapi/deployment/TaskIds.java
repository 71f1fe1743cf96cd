package dev.triggerapi.deployment;

import java.util.regex.Pattern;

/**
 * The task-id alphabet: what a task id declared with the SDK looks like once it reaches this service, and
 * therefore what registration and trigger accept. A task id is one or more segments separated by {@code /}
 * (the SDK's nested folders; on the trigger URL the slash arrives encoded as {@code %2F}); a segment is letters,
 * digits and {@code - _ . :}, and is never {@code .} or {@code ..}. At most 128 characters. Anything else —
 * spaces, control characters, CR/LF, path traversal — is refused, because a task id becomes part of the default
 * queue name ({@code task/<id>}), of metrics and of log lines.
 */
public final class TaskIds {

    /** The rule as a regular expression (also usable in {@code @Pattern}). */
    public static final String PATTERN =
            "(?!\\.\\.?(?:/|$))[A-Za-z0-9_.:-]+(?:/(?!\\.\\.?(?:/|$))[A-Za-z0-9_.:-]+)*";
    public static final int MAX_LENGTH = 128;
    /** What a client is told when its task id does not fit. */
    public static final String RULE = "a task id is letters, digits and - _ . : in segments separated by '/' "
            + "(no empty, '.' or '..' segment), at most " + MAX_LENGTH + " characters";

    private static final Pattern COMPILED = Pattern.compile(PATTERN);

    private TaskIds() {
    }

    public static boolean isValid(String taskId) {
        return taskId != null && !taskId.isEmpty() && taskId.length() <= MAX_LENGTH
                && COMPILED.matcher(taskId).matches();
    }
}
