package dev.triggerapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** No Docker engine here: at least prove docker-compose.yml wires what production needs. */
class DockerComposeFileTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> services() throws Exception {
        try (Reader reader = Files.newBufferedReader(Path.of("docker-compose.yml"))) {
            Map<String, Object> compose = new Yaml().load(reader);
            return (Map<String, Object>) compose.get("services");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void primaryRunsWithLogicalWal() throws Exception {
        Map<String, Object> primary = (Map<String, Object>) services().get("primary");
        assertThat(String.join(" ", (List<String>) primary.get("command"))).contains("wal_level=logical");
    }

    @Test
    @SuppressWarnings("unchecked")
    void replicaIsBehindAProfileWithAConfigurableApplyDelay() throws Exception {
        Map<String, Object> replica = (Map<String, Object>) services().get("replica");
        assertThat((List<String>) replica.get("profiles")).containsExactly("replica");
        assertThat(String.join(" ", (List<String>) replica.get("entrypoint")))
                .contains("recovery_min_apply_delay=$${REPLICA_APPLY_DELAY}").contains("pg_basebackup");
        assertThat((Map<String, Object>) replica.get("environment")).containsKey("REPLICA_APPLY_DELAY");
    }

    @Test
    @SuppressWarnings("unchecked")
    void appIsWiredToPrimaryRedisAndClickHouse() throws Exception {
        Map<String, Object> services = services();
        assertThat(services).containsKeys("primary", "replica", "redis", "clickhouse", "app");
        Map<String, Object> env = (Map<String, Object>) ((Map<String, Object>) services.get("app")).get("environment");
        assertThat(env).containsEntry("DATABASE_URL", "jdbc:postgresql://primary:5432/trigger")
                .containsEntry("REDIS_HOST", "redis").containsEntry("LOCAL_CLUSTER_ENABLED", "false")
                .containsKey("DATABASE_READ_REPLICA_URL");
    }

    @Test
    void dockerfileRunsAsNonRootFromLayers() throws Exception {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile).contains("USER app").contains("--layers").contains("AS build");
    }
}
