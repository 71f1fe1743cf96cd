package dev.triggerapi.environment;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The operator's credential ({@code trigger-api.admin.*}).
 *
 * @param token bearer token of the admin API ({@code /admin/**}) and of the health details ({@code ADMIN_TOKEN});
 *              empty (default) disables the admin API and shows health details to nobody
 */
@Validated
@ConfigurationProperties("trigger-api.admin")
public record AdminProperties(@DefaultValue("") @NotNull String token) {
}
