package dev.triggerapi.run;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of the run write endpoints ({@code trigger-api.run-writes.*}).
 *
 * @param metadataMaxBytes largest serialized metadata a run may hold; bigger updates are a 413
 *                         ({@code TASK_RUN_METADATA_MAXIMUM_SIZE}, default 262144 = 256 KiB)
 * @param maxTags          most tags a run may carry; more is a 422 ({@code TASK_RUN_MAX_TAGS}, default 10)
 */
@ConfigurationProperties("trigger-api.run-writes")
@Validated
public record RunWriteLimits(
        @DefaultValue("262144") @Min(1) int metadataMaxBytes,
        @DefaultValue("10") @Min(1) int maxTags) {
}
