package dev.triggerapi.local;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the embedded local cluster ({@code trigger-api.local-cluster.*}).
 *
 * @param enabled          {@code auto} (default) starts the cluster only when no external database is
 *                         configured ({@code spring.datasource.url} empty); {@code true} / {@code false} force it
 * @param dataDir          where data lives; empty (default) means a temp directory deleted on exit,
 *                         a path keeps the data across runs
 * @param replica          whether to start the streaming replica next to the primary (default true)
 * @param replicaApplyDelay the replica's {@code recovery_min_apply_delay} at start (default 0)
 * @param redis            whether to start a local Redis when none is configured (default true)
 * @param seedDemo         whether to seed a demo organization, environment and worker group (default true
 *                         for the service, off in tests)
 */
@ConfigurationProperties("trigger-api.local-cluster")
public record LocalClusterProperties(
        @DefaultValue("auto") String enabled,
        @DefaultValue("") String dataDir,
        @DefaultValue("true") boolean replica,
        @DefaultValue("0ms") Duration replicaApplyDelay,
        @DefaultValue("true") boolean redis,
        @DefaultValue("true") boolean seedDemo) {
}
