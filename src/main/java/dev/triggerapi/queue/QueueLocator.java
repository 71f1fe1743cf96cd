package dev.triggerapi.queue;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.deployment.QueueNames;
import org.springframework.web.util.UriUtils;

/**
 * How a request names a queue: by public id ({@code type=id}, {@code queue_...}), by task id ({@code type=task},
 * the task's own queue {@code task/<id>}) or by name ({@code type=custom}).
 *
 * <p>The SDK encodes a slash as {@code %2F} and then URL-encodes the whole value, so a name arrives encoded
 * twice; the servlet container decodes once and {@link #of} decodes the rest.
 *
 * @param column the {@code task_queues} column to match ({@code id} or {@code name}); a constant, never input
 * @param value  the value to match
 */
record QueueLocator(String column, String value) {

    private static final int MAX_LENGTH = 256;

    static QueueLocator of(String type, String encoded) {
        String value;
        try {
            value = UriUtils.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("Invalid queue: malformed percent-encoding");
        }
        if (value.isBlank() || value.length() > MAX_LENGTH || value.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("Invalid queue: expected 1 to " + MAX_LENGTH + " printable characters");
        }
        String kind = type == null ? "id" : type.toLowerCase(Locale.ROOT);
        return switch (kind) {
            case "id" -> {
                if (!value.startsWith(QueueManagement.ID_PREFIX)) {
                    throw ApiException.notFound("Queue not found: " + value);
                }
                yield new QueueLocator("id", value.substring(QueueManagement.ID_PREFIX.length()));
            }
            case "task" -> new QueueLocator("name", QueueNames.taskQueue(value));
            case "custom" -> new QueueLocator("name", value);
            default -> throw ApiException.badRequest("Invalid queue type: expected id, task or custom");
        };
    }
}
