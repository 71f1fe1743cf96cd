package dev.triggerapi.datasource;

import java.time.Duration;

import dev.triggerapi.duration.PositiveDuration;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The read replica's connection settings ({@code trigger-api.datasource.replica.*}). When {@code url} is
 * empty there is no replica and read-only transactions use the writer.
 *
 * @param url               JDBC URL of the streaming replica ({@code DATABASE_READ_REPLICA_URL}); empty = none
 * @param username          replica user; defaults to the writer's
 * @param password          replica password; defaults to the writer's
 * @param maximumPoolSize   replica pool size (default 10)
 * @param connectionTimeout how long a request waits for a replica connection (default 5 s)
 * @param probeInterval     how often the replica is probed for the failover breaker (default 1 s)
 * @param probeTimeout      connect/socket timeout of one probe (default 1 s)
 */
@Validated
@ConfigurationProperties("trigger-api.datasource.replica")
public record ReplicaDataSourceProperties(
        @DefaultValue("") @NotNull String url,
        String username,
        String password,
        @DefaultValue("10") @Min(1) int maximumPoolSize,
        @DefaultValue("5s") @PositiveDuration Duration connectionTimeout,
        @DefaultValue("1s") @PositiveDuration Duration probeInterval,
        @DefaultValue("1s") @PositiveDuration Duration probeTimeout) {

    public boolean configured() {
        return url != null && !url.isBlank();
    }
}
