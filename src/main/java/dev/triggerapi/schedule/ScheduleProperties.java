package dev.triggerapi.schedule;

import java.time.Duration;

import dev.triggerapi.duration.PositiveDuration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the scheduler ({@code trigger-api.schedules.*}).
 *
 * @param schedulerEnabled run the scheduler on this instance ({@code SCHEDULES_SCHEDULER_ENABLED}, default true;
 *                         safe on every instance at once)
 * @param tickInterval     pause between scans for due schedules ({@code SCHEDULES_TICK_INTERVAL}, default 1 s);
 *                         a run is created at most this long after its instant
 * @param maxFiresPerTick  most schedules one tick fires before pausing ({@code SCHEDULES_MAX_FIRES_PER_TICK},
 *                         default 1000); the rest fire on the next tick
 */
@Validated
@ConfigurationProperties("trigger-api.schedules")
public record ScheduleProperties(
        @DefaultValue("true") boolean schedulerEnabled,
        @DefaultValue("1s") @PositiveDuration Duration tickInterval,
        @DefaultValue("1000") @Min(1) @Max(100_000) int maxFiresPerTick) {
}
