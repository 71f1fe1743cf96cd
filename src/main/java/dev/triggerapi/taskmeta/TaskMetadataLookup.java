package dev.triggerapi.taskmeta;

import java.util.Optional;

/**
 * The outcome of a read-through lookup.
 *
 * @param value  what was found, empty when nobody has it
 * @param source where it came from
 * @param <T>    what was looked up (task metadata, a worker id, a queue set)
 */
public record TaskMetadataLookup<T>(Optional<T> value, MetadataSource source) {
}
