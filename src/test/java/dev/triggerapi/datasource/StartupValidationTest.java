package dev.triggerapi.datasource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;

import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.local.LocalCluster;
import dev.triggerapi.local.LocalClusterProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** A wrong database setting fails startup at once with a message that names the setting. */
class StartupValidationTest {

    /** External mode requires a key-encryption key; any valid one will do for these startups. */
    private static final String ENCRYPTION_KEY = dev.triggerapi.environment.CredentialProperties.generateEncryptionKey();

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Throwable rootOfType(Throwable t, Class<?> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return c;
            }
        }
        return null;
    }

    @Test
    void unreachableWriterFailsFastNamingDatabaseUrl() throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort() + "/nope";
        assertThatThrownBy(() -> new SpringApplicationBuilder(TriggerApiApplication.class)
                .web(WebApplicationType.NONE)
                .run("--spring.datasource.url=" + url, "--trigger-api.local-cluster.enabled=false",
                        "--trigger-api.credentials.secret-key-encryption-key=" + ENCRYPTION_KEY,
                        "--spring.datasource.hikari.connection-timeout=2000").close())
                .satisfies(e -> {
                    Throwable cause = rootOfType(e, DataSourceStartupException.class);
                    assertThat(cause).isNotNull();
                    assertThat(cause.getMessage()).contains("spring.datasource.url").contains("DATABASE_URL");
                });
    }

    @Test
    void wrongReplicaUrlFailsFastNamingTheReplicaSetting() throws Exception {
        LocalCluster cluster = LocalCluster.shared(new LocalClusterProperties("true", "", true,
                java.time.Duration.ZERO, true, false));
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort() + "/replica";
        assertThatThrownBy(() -> new SpringApplicationBuilder(TriggerApiApplication.class)
                .web(WebApplicationType.NONE)
                .run("--spring.datasource.url=" + cluster.writerJdbcUrl(), "--spring.datasource.username=postgres",
                        "--trigger-api.local-cluster.enabled=false",
                        "--trigger-api.credentials.secret-key-encryption-key=" + ENCRYPTION_KEY,
                        "--trigger-api.datasource.replica.url=" + url,
                        "--trigger-api.datasource.replica.connection-timeout=2s",
                        "--spring.data.redis.port=" + cluster.redisPort()).close())
                .satisfies(e -> {
                    Throwable cause = rootOfType(e, DataSourceStartupException.class);
                    assertThat(cause).isNotNull();
                    assertThat(cause.getMessage()).contains("trigger-api.datasource.replica.url")
                            .contains("DATABASE_READ_REPLICA_URL");
                });
    }
}
