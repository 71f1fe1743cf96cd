package dev.triggerapi.datasource;

import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Health components {@code writer} and {@code replica}, each probing its own pool directly (never through
 * the routing proxy, so a fallback can never make a dead replica look healthy).
 */
@Configuration(proxyBeanMethods = false)
class DatabaseHealthConfiguration {

    @Bean
    HealthIndicator writerHealthIndicator(@Qualifier("writerDataSource") HikariDataSource writer) {
        return new AbstractHealthIndicator("Writer health check failed") {
            @Override
            protected void doHealthCheck(Health.Builder builder) {
                Map<String, Object> row = new JdbcTemplate(writer).queryForMap(
                        "SELECT pg_is_in_recovery() AS in_recovery, current_setting('server_version') AS version");
                boolean inRecovery = (Boolean) row.get("in_recovery");
                (inRecovery ? builder.down() : builder.up())
                        .withDetail("inRecovery", inRecovery)
                        .withDetail("version", row.get("version"));
            }
        };
    }

    @Bean
    HealthIndicator replicaHealthIndicator(@Qualifier("replicaDataSource") ObjectProvider<HikariDataSource> replica,
                                           ReplicaCircuitBreaker breaker) {
        HikariDataSource pool = replica.getIfAvailable();
        if (pool == null) {
            return () -> Health.up().withDetail("configured", false)
                    .withDetail("reads", "writer").build();
        }
        return new AbstractHealthIndicator("Replica health check failed") {
            @Override
            protected void doHealthCheck(Health.Builder builder) {
                if (!breaker.replicaAvailable()) {
                    // Known down: answer at once instead of waiting for a pool timeout.
                    builder.down().withDetail("configured", true).withDetail("reads", "writer (fallback)")
                            .withDetail("reason", String.valueOf(breaker.reason()))
                            .withDetail("downForSeconds", breaker.openFor().toSeconds());
                    return;
                }
                Map<String, Object> row = new JdbcTemplate(pool).queryForMap("""
                        SELECT pg_is_in_recovery() AS in_recovery,
                               coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::bigint AS replay_lag_bytes,
                               (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::bigint AS last_replay_age_ms,
                               current_setting('recovery_min_apply_delay') AS apply_delay
                        """);
                builder.up()
                        .withDetail("configured", true)
                        .withDetail("inRecovery", row.get("in_recovery"))
                        .withDetail("replayLagBytes", row.get("replay_lag_bytes"))
                        .withDetail("applyDelay", row.get("apply_delay"));
                if (row.get("last_replay_age_ms") != null) {
                    builder.withDetail("lastReplayAgeMs", row.get("last_replay_age_ms"));
                }
            }
        };
    }
}
