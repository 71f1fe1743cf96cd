package dev.triggerapi.api;

import java.util.Set;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How {@code /actuator/health} aggregates ({@code trigger-api.health.*}).
 *
 * @param nonCritical health components whose DOWN shows in their own entry but does not take the whole
 *                    service DOWN, because the service degrades around them (default: {@code replica} — reads
 *                    fall back to the writer; {@code redis} — caches fail open; {@code replication} — the runs
 *                    list lags but triggers work)
 */
@Validated
@ConfigurationProperties("trigger-api.health")
public record HealthAggregationProperties(
        @DefaultValue({"replica", "redis", "replication"}) @NotNull Set<String> nonCritical) {
}
