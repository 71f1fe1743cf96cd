package dev.triggerapi.deployment;

import java.util.regex.Pattern;

/**
 * Queue naming: names are reduced to letters, digits and {@code _ - . /}, at most 128 characters, and a name
 * with nothing left falls back to the task's own queue {@code task/<taskId>}.
 */
public final class QueueNames {

    private static final Pattern DISALLOWED = Pattern.compile("[^A-Za-z0-9_\\-./]");
    private static final int MAX_LENGTH = 128;

    private QueueNames() {
    }

    /** The queue a task uses when nothing else names one. */
    public static String taskQueue(String taskId) {
        return "task/" + taskId;
    }

    /** {@code name} sanitised, or {@link #taskQueue(String)} when nothing usable is left. */
    public static String sanitize(String name, String taskId) {
        String cleaned = name == null ? "" : isClean(name) ? name : DISALLOWED.matcher(name).replaceAll("");
        if (cleaned.length() > MAX_LENGTH) {
            cleaned = cleaned.substring(0, MAX_LENGTH);
        }
        return cleaned.isEmpty() ? taskQueue(taskId) : cleaned;
    }

    /** The common case on the hot path: nothing to remove, so no regex and no copy. */
    private static boolean isClean(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || c == '.' || c == '/';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }
}
