package dev.triggerapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triggerapi.api.HealthAggregationProperties;
import dev.triggerapi.api.RequestSizeProperties;
import dev.triggerapi.datasource.ReplicaDataSourceProperties;
import dev.triggerapi.environment.AdminProperties;
import dev.triggerapi.environment.CredentialProperties;
import dev.triggerapi.packet.PacketProperties;
import dev.triggerapi.ratelimit.TriggerRateLimitProperties;
import dev.triggerapi.realtime.RealtimeProperties;
import dev.triggerapi.replication.RunReplicationProperties;
import dev.triggerapi.run.RunEngineProperties;
import dev.triggerapi.run.RunWriteLimits;
import dev.triggerapi.schedule.ScheduleProperties;
import dev.triggerapi.snapshot.SnapshotsSinceProperties;
import dev.triggerapi.taskmeta.TaskMetaCacheProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * Every {@code @ConfigurationProperties} record is validated at start-up: the defaults pass, and a bad value stops
 * the application with the property and the reason instead of misbehaving later. Binding only (no cluster).
 */
class ConfigurationPropertiesValidationTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({AdminProperties.class, HealthAggregationProperties.class,
            RequestSizeProperties.class, ReplicaDataSourceProperties.class, CredentialProperties.class,
            PacketProperties.class, TriggerRateLimitProperties.class, RealtimeProperties.class,
            RunReplicationProperties.class, RunEngineProperties.class, RunWriteLimits.class, ScheduleProperties.class,
            SnapshotsSinceProperties.class, TaskMetaCacheProperties.class})
    static class AllProperties {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(AllProperties.class);

    @Test
    void theDefaultsOfEveryPropertiesRecordAreValid() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(RealtimeProperties.class).feed().heartbeatInterval()).isPositive();
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            trigger-api.realtime.feed.heartbeat-interval=-1s        | heartbeatInterval | must be a duration of at least 1ms
            trigger-api.realtime.gate.max-wait=-5ms                 | maxWait           | must be a duration of zero or more
            trigger-api.run-engine.sweep-interval=0s                | sweepInterval     | must be a duration of at least 1ms
            trigger-api.task-meta-cache.redis.command-timeout=-250ms | commandTimeout    | must be a duration of at least 1ms
            trigger-api.datasource.replica.maximum-pool-size=0      | maximumPoolSize   | must be greater than or equal to 1
            trigger-api.replication.publication-name=               | publicationName   | must not be blank
            trigger-api.replication.exit.code=300                   | code              | must be less than or equal to 255
            """)
    void aBadValueStopsStartUpNamingThePropertyAndTheReason(String property, String field, String reason) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = context.getStartupFailure();
            while (cause != null && !(cause instanceof BindValidationException)) {
                cause = cause.getCause();
            }
            assertThat(cause).as("a bind validation failure for %s", property).isNotNull();
            assertThat(cause.getMessage()).contains(field).contains(reason);
        });
    }
}
