package dev.triggerapi.support;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.triggerapi.environment.CredentialProperties;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * When the container fixture is selected ({@link ContainerCluster#selected()}), points the application at the
 * JVM's {@link ContainerCluster} and turns the embedded cluster off. Runs just before
 * {@code local.LocalClusterEnvironmentPostProcessor}, which then sees an external database: the same place the
 * embedded cluster is wired, so both fixtures reach the application the same way. ClickHouse (and with it runs
 * replication) follows {@code trigger-api.local-cluster.clickhouse}, as with the embedded cluster: off in the
 * {@code test} profile unless a test opts in.
 *
 * <p>Plain properties rather than {@code @ServiceConnection}: the replica, ClickHouse and the task-metadata
 * cache's Redis (which defaults to {@code spring.data.redis.*} properties) are configured by properties, and the
 * embedded cluster's start is decided from {@code spring.datasource.url} before any bean exists.
 */
public class ContainerClusterEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    private static final String PROPERTY_SOURCE = "trigger-api-container-cluster";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!ContainerCluster.selected()) {
            return;
        }
        ContainerCluster cluster = ContainerCluster.shared();
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("trigger-api.local-cluster.enabled", "false");
        props.put("spring.datasource.url", cluster.writerJdbcUrl());
        props.put("spring.datasource.username", cluster.username());
        props.put("spring.datasource.password", cluster.password());
        props.put("trigger-api.datasource.replica.url", cluster.replicaJdbcUrl());
        props.put("trigger-api.datasource.replica.username", cluster.username());
        props.put("trigger-api.datasource.replica.password", cluster.password());
        props.put("spring.data.redis.host", cluster.redisHost());
        props.put("spring.data.redis.port", cluster.redisPort());
        // Required with an external database; a test that configures its own key keeps it.
        String key = environment.getProperty(CredentialProperties.ENCRYPTION_KEY_PROPERTY, "");
        if (key.isBlank()) {
            props.put(CredentialProperties.ENCRYPTION_KEY_PROPERTY, cluster.secretKeyEncryptionKey());
        }
        String clickHouse = environment.getProperty("trigger-api.local-cluster.clickhouse", "auto").toLowerCase(Locale.ROOT);
        if (!clickHouse.equals("false")) {
            props.put("trigger-api.replication.clickhouse.url", cluster.clickHouseUrl());
        }
        environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE, props));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE - 1;
    }
}
