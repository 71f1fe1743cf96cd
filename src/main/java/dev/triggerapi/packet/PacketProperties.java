package dev.triggerapi.packet;

import java.time.Duration;

import dev.triggerapi.duration.PositiveDuration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Payload packet settings ({@code trigger-api.packets.*}).
 *
 * @param signingSecret HMAC secret for presigned packet URLs ({@code PACKETS_SIGNING_SECRET}); empty means a
 *                      random per-process secret (fine for one instance; set it when running several)
 * @param urlTtl        how long a presigned URL stays valid (default 10 min)
 * @param maxBytes      largest packet accepted (default 10 MiB); larger uploads get 413
 * @param publicBaseUrl base URL clients reach this service at, for presigned URLs; empty = from the request
 */
@Validated
@ConfigurationProperties("trigger-api.packets")
public record PacketProperties(
        @DefaultValue("") String signingSecret,
        @DefaultValue("10m") @PositiveDuration Duration urlTtl,
        @DefaultValue("10485760") @Min(1) @Max(268435456) long maxBytes,
        @DefaultValue("") String publicBaseUrl) {
}
