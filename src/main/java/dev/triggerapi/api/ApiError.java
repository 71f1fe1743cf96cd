package dev.triggerapi.api;

/**
 * The JSON error body of every non-2xx answer: {@code {"error": "human readable message"}}. The official
 * trigger.dev SDK reads the message from exactly this field.
 *
 * @param error the message; never a stack trace or SQL
 */
record ApiError(String error) {
}
