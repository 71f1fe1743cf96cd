package dev.triggerapi.api;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Request body limits ({@code trigger-api.api.request-size.*}).
 *
 * @param triggerMaxBody body limit of the trigger and batch-trigger endpoints ({@code API_TRIGGER_MAX_BODY_SIZE},
 *                       default 3MB = 3 MiB); payloads travel inline, so this is the payload limit
 * @param defaultMaxBody body limit of every other endpoint ({@code API_MAX_BODY_SIZE}, default 1MB)
 */
@ConfigurationProperties("trigger-api.api.request-size")
@Validated
public record RequestSizeProperties(
        @DefaultValue("3MB") @NotNull DataSize triggerMaxBody,
        @DefaultValue("1MB") @NotNull DataSize defaultMaxBody) {
}
