package dev.triggerapi.run;

import java.time.Duration;

/**
 * A trigger's {@code debounce} option, validated: triggers of one task with the same key while a run is pending
 * push that run back instead of creating new ones (see {@link RunCreator#createDebounced}).
 *
 * @param key      the debounce key (scoped to the task)
 * @param delay    how long after the latest trigger the run starts (at least one second)
 * @param trailing true when the run takes the latest trigger's data, false ("leading") when it keeps the first's
 * @param maxDelay how far after the first trigger the run may be pushed at most, or null for no bound
 */
public record Debounce(String key, Duration delay, boolean trailing, Duration maxDelay) {
}
