package dev.triggerapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Static checks of docker-compose.yml, docker-compose.replica.yml, docker-compose.stream.yml and the Dockerfile, for
 * builds without a Docker engine; src/test/docker/compose-smoke.sh runs the stack for real.
 */
class DockerComposeFileTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> services(String file) throws Exception {
        try (Reader reader = Files.newBufferedReader(Path.of(file))) {
            Map<String, Object> compose = new Yaml().load(reader);
            return (Map<String, Object>) compose.get("services");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String file, String name) throws Exception {
        return (Map<String, Object>) services(file).get(name);
    }

    @Test
    @SuppressWarnings("unchecked")
    void primaryRunsWithLogicalWal() throws Exception {
        Map<String, Object> primary = service("docker-compose.yml", "primary");
        assertThat(String.join(" ", (List<String>) primary.get("command"))).contains("wal_level=logical");
    }

    @Test
    void imagesAreOfficialByDefaultAndReplaceable() throws Exception {
        assertThat(service("docker-compose.yml", "primary")).containsEntry("image", "${POSTGRES_IMAGE:-postgres:18}");
        assertThat(service("docker-compose.yml", "redis")).containsEntry("image", "${REDIS_IMAGE:-redis:7}");
        assertThat(service("docker-compose.yml", "clickhouse"))
                .containsEntry("image", "${CLICKHOUSE_IMAGE:-clickhouse/clickhouse-server:24.8}");
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile).contains("ARG BUILD_IMAGE=maven:").contains("ARG RUNTIME_IMAGE=eclipse-temurin:")
                .contains("FROM ${BUILD_IMAGE} AS build").contains("FROM ${RUNTIME_IMAGE}");
    }

    @Test
    @SuppressWarnings("unchecked")
    void replicaOverrideAddsALaggingReplicaAndPointsTheAppsReadsAtIt() throws Exception {
        Map<String, Object> replica = service("docker-compose.replica.yml", "replica");
        assertThat(String.join(" ", (List<String>) replica.get("entrypoint")))
                .contains("recovery_min_apply_delay=$${REPLICA_APPLY_DELAY}").contains("pg_basebackup");
        assertThat((Map<String, Object>) replica.get("environment")).containsKey("REPLICA_APPLY_DELAY");
        Map<String, Object> app = service("docker-compose.replica.yml", "app");
        assertThat((Map<String, Object>) app.get("environment"))
                .containsEntry("DATABASE_READ_REPLICA_URL", "jdbc:postgresql://replica:5432/trigger");
        assertThat((Map<String, Object>) app.get("depends_on")).containsKey("replica");
    }

    @Test
    @SuppressWarnings("unchecked")
    void streamOverrideMovesTheStreamIntoAServiceOfItsOwn() throws Exception {
        Map<String, Object> app = service("docker-compose.stream.yml", "app");
        assertThat((Map<String, Object>) app.get("environment")).containsEntry("RUN_REPLICATION_STREAM_ENABLED", "false");
        Map<String, Object> replication = service("docker-compose.stream.yml", "replication");
        assertThat(replication).containsEntry("image", service("docker-compose.yml", "app").get("image"))
                .doesNotContainKey("ports");
        assertThat((Map<String, Object>) replication.get("environment"))
                .containsEntry("RUN_REPLICATION_STREAM_ENABLED", "true").containsEntry("DATABASE_MIGRATE", "false")
                .containsEntry("CLICKHOUSE_URL", "http://clickhouse:8123").containsEntry("LOCAL_CLUSTER_ENABLED", "false");
        assertThat((Map<String, Object>) replication.get("depends_on")).containsKey("app");
        assertThat(replication).containsKey("healthcheck");
    }

    @Test
    @SuppressWarnings("unchecked")
    void appIsWiredToPrimaryRedisAndClickHouseAndHasAHealthCheck() throws Exception {
        Map<String, Object> services = services("docker-compose.yml");
        assertThat(services).containsKeys("primary", "redis", "clickhouse", "app");
        Map<String, Object> app = (Map<String, Object>) services.get("app");
        Map<String, Object> env = (Map<String, Object>) app.get("environment");
        assertThat(env).containsEntry("DATABASE_URL", "jdbc:postgresql://primary:5432/trigger")
                .containsEntry("REDIS_HOST", "redis").containsEntry("LOCAL_CLUSTER_ENABLED", "false")
                .containsEntry("CLICKHOUSE_URL", "http://clickhouse:8123");
        assertThat(String.join(" ", (List<String>) ((Map<String, Object>) app.get("healthcheck")).get("test")))
                .contains("/actuator/health");
        assertThat((Map<String, Object>) app.get("depends_on")).containsKeys("primary", "redis", "clickhouse");
    }

    @Test
    void dockerfileRunsAsNonRootFromLayers() throws Exception {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile).contains("USER app").contains("--layers").contains("AS build");
    }
}
