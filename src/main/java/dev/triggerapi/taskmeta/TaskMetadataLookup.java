package dev.triggerapi.taskmeta;

import java.util.Optional;

/**
 * The outcome of a read-through lookup.
 *
 * @param metadata the task's metadata, empty when nobody has it
 * @param source   where it came from
 */
public record TaskMetadataLookup(Optional<TaskMetadata> metadata, MetadataSource source) {
}
