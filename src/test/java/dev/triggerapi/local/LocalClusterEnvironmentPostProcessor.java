package dev.triggerapi.local;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.triggerapi.environment.CredentialProperties;
import org.apache.commons.logging.Log;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Starts the embedded {@link LocalCluster} before the application context is built when no external
 * database is configured, and points {@code spring.datasource.*}, the replica and Redis settings at it; with
 * ClickHouse installed it starts a {@link LocalClickHouse} too and points {@code CLICKHOUSE_URL}'s property at it.
 * Runs after the config files are loaded, so {@code DATABASE_URL} and friends decide whether it is needed.
 */
public class LocalClusterEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    static final String PROPERTY_SOURCE = "trigger-api-local-cluster";
    /** Set to {@code true} when this JVM's local cluster backs the application. */
    public static final String ACTIVE_PROPERTY = "trigger-api.local-cluster.active";
    static final String CLICKHOUSE_PROPERTY = "trigger-api.local-cluster.clickhouse";
    static final String CLICKHOUSE_URL_PROPERTY = "trigger-api.replication.clickhouse.url";

    private final Log log;

    public LocalClusterEnvironmentPostProcessor(DeferredLogFactory logFactory) {
        this.log = logFactory.getLog(LocalClusterEnvironmentPostProcessor.class);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        LocalClusterProperties settings = Binder.get(environment)
                .bindOrCreate("trigger-api.local-cluster", LocalClusterProperties.class);
        boolean externalDatabase = StringUtils.hasText(environment.getProperty("spring.datasource.url"));
        boolean wanted = switch (settings.enabled().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            case "auto" -> !externalDatabase;
            default -> throw new IllegalStateException("trigger-api.local-cluster.enabled (LOCAL_CLUSTER_ENABLED) must be "
                    + "auto, true or false, not '" + settings.enabled() + "'");
        };
        if (!wanted) {
            return;
        }
        boolean externalRedis = StringUtils.hasText(environment.getProperty("REDIS_HOST"))
                || StringUtils.hasText(environment.getProperty("spring.data.redis.url"));
        LocalClusterProperties effective = new LocalClusterProperties(settings.enabled(), settings.dataDir(),
                settings.replica(), settings.replicaApplyDelay(), settings.redis() && !externalRedis, settings.seedDemo());
        log.info("No external database configured (DATABASE_URL): starting the embedded PostgreSQL primary"
                + (effective.replica() ? " + streaming replica" : "") + (effective.redis() ? " and Redis" : ""));
        LocalCluster cluster = LocalCluster.shared(effective);
        log.info("Local cluster: writer " + cluster.writerJdbcUrl() + ", replica "
                + (cluster.replicaJdbcUrl() != null ? cluster.replicaJdbcUrl() + " (apply delay "
                + cluster.replicaApplyDelay().toMillis() + " ms)" : "off")
                + ", redis " + (cluster.hasRedis() ? "127.0.0.1:" + cluster.redisPort() : "external"));

        Map<String, Object> props = new LinkedHashMap<>();
        props.put(ACTIVE_PROPERTY, "true");
        props.put("spring.datasource.url", cluster.writerJdbcUrl());
        props.put("spring.datasource.username", cluster.username());
        props.put("spring.datasource.password", "");
        if (cluster.replicaJdbcUrl() != null) {
            props.put("trigger-api.datasource.replica.url", cluster.replicaJdbcUrl());
            props.put("trigger-api.datasource.replica.username", cluster.username());
            props.put("trigger-api.datasource.replica.password", "");
        }
        if (cluster.hasRedis()) {
            props.put("spring.data.redis.host", "127.0.0.1");
            props.put("spring.data.redis.port", cluster.redisPort());
        }
        if (!StringUtils.hasText(environment.getProperty(CredentialProperties.ENCRYPTION_KEY_PROPERTY))) {
            String kek = cluster.secretKeyEncryptionKey();
            props.put(CredentialProperties.ENCRYPTION_KEY_PROPERTY, kek);
            if (cluster.secretKeyEncryptionKeyGenerated()) {
                log.info("SECRET_KEY_ENCRYPTION_KEY is not set: generated one for the local cluster, which stores secret "
                        + "keys encrypted with it: " + kek + (cluster.secretKeyEncryptionKeyFile() != null
                        ? " (kept in " + cluster.secretKeyEncryptionKeyFile() + ")" : " (this run only)")
                        + ". With an external database, set SECRET_KEY_ENCRYPTION_KEY yourself");
            }
        }
        startClickHouse(environment, props);
        environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE, props));
    }

    /**
     * Starts a local ClickHouse (which turns runs replication on) unless {@code CLICKHOUSE_URL} points at one
     * or {@code LOCAL_CLUSTER_CLICKHOUSE} is false; {@code auto} starts it only when the binary is installed.
     */
    private void startClickHouse(ConfigurableEnvironment environment, Map<String, Object> props) {
        String mode = environment.getProperty(CLICKHOUSE_PROPERTY, "auto").toLowerCase(java.util.Locale.ROOT);
        if (mode.equals("false") || StringUtils.hasText(environment.getProperty(CLICKHOUSE_URL_PROPERTY))) {
            return;
        }
        if (!mode.equals("true") && !mode.equals("auto")) {
            throw new IllegalStateException(CLICKHOUSE_PROPERTY + " (LOCAL_CLUSTER_CLICKHOUSE) must be auto, true or false, not '"
                    + mode + "'");
        }
        if (mode.equals("auto") && LocalClickHouse.serverCommand().isEmpty()) {
            log.info("ClickHouse is not installed, so runs replication is off and GET /api/v1/runs reads the replica. "
                    + "To enable it install ClickHouse (apt-get install clickhouse-server) or set CLICKHOUSE_URL");
            return;
        }
        String url = LocalClickHouse.shared().url();
        log.info("Local ClickHouse at " + url + ": runs replication is on (CLICKHOUSE_URL)");
        props.put(CLICKHOUSE_URL_PROPERTY, url);
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
