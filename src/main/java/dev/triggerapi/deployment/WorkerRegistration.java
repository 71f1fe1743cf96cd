package dev.triggerapi.deployment;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triggerapi.environment.EnvironmentType;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import tools.jackson.databind.JsonNode;

/**
 * Body of {@code POST /api/v1/deployments}: a worker version and the tasks it declares.
 *
 * @param version the worker version, unique per environment
 * @param tasks   the tasks of this version
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkerRegistration(
        @NotBlank @Size(max = 128) String version,
        @NotNull @Size(max = 5000) List<@NotNull @Valid TaskDeclaration> tasks) {

    /**
     * One task of the worker version.
     *
     * @param slug          the task id triggers use ({@link TaskIds})
     * @param ttl           default ttl of its runs: a duration string ({@code 10m}, {@code 1h30m}) or seconds
     * @param triggerSource STANDARD (default), SCHEDULED or AGENT
     * @param queue         its default queue; defaults to {@code task/<slug>} without a limit
     * @param schedule      a cron schedule; the task's trigger source is then SCHEDULED
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TaskDeclaration(
            @NotBlank @Size(max = TaskIds.MAX_LENGTH) @Pattern(regexp = TaskIds.PATTERN, message = TaskIds.RULE) String slug,
            JsonNode ttl,
            TriggerSource triggerSource,
            @Valid QueueDeclaration queue,
            @Valid ScheduleDeclaration schedule) {

        /** A task without a schedule. */
        public TaskDeclaration(String slug, JsonNode ttl, TriggerSource triggerSource, QueueDeclaration queue) {
            this(slug, ttl, triggerSource, queue, null);
        }
    }

    /**
     * A declarative cron schedule.
     *
     * @param cron         5-field Unix cron expression
     * @param timezone     IANA timezone; UTC when absent
     * @param environments environment types it applies to ({@code PRODUCTION}, {@code STAGING}, ...); all when absent
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ScheduleDeclaration(
            @NotBlank @Size(max = 256) String cron,
            @Size(max = 64) String timezone,
            @Size(max = 4) List<@NotNull EnvironmentType> environments) {
    }

    /**
     * A queue declaration.
     *
     * @param name             queue name (sanitised)
     * @param concurrencyLimit how many runs of the queue may execute at once; absent = unlimited
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record QueueDeclaration(@Size(max = 256) String name, @PositiveOrZero Integer concurrencyLimit) {
    }
}
