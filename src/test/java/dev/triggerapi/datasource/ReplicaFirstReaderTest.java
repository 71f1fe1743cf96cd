package dev.triggerapi.datasource;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;

import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

@IntegrationTest
class ReplicaFirstReaderTest {

    @Autowired
    ReplicaFirstReader reader;
    @Autowired
    JdbcClient jdbc;

    private Optional<String> findOrg(String slug) {
        return jdbc.sql("SELECT id FROM organizations WHERE slug = ?").param(slug).query(String.class).optional();
    }

    @Test
    void rowTheReplicaHasNotAppliedIsFoundOnTheWriter() {
        Cluster.replicaDelay(Duration.ofMillis(500));
        String slug = "fresh-" + Ids.newId();
        String id = Ids.newId();
        jdbc.sql("INSERT INTO organizations (id, slug, title) VALUES (?, ?, 't')").params(id, slug).update();

        ReplicaFirstReader.Result<String> result = reader.read(() -> findOrg(slug));

        assertThat(result.source()).isEqualTo(ReadSource.WRITER);
        assertThat(result.value()).contains(id);
    }

    @Test
    void rowOnTheReplicaIsServedByTheReplica() throws Exception {
        String slug = "old-" + Ids.newId();
        jdbc.sql("INSERT INTO organizations (id, slug, title) VALUES (?, ?, 't')").params(Ids.newId(), slug).update();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> reader.onReplica(() -> findOrg(slug)).isPresent());

        assertThat(reader.read(() -> findOrg(slug)).source()).isEqualTo(ReadSource.REPLICA);
    }

    @Test
    void genuineMissIsReportedAsNone() {
        ReplicaFirstReader.Result<String> result = reader.read(() -> findOrg("missing-" + Ids.newId()));
        assertThat(result.source()).isEqualTo(ReadSource.NONE);
        assertThat(result.value()).isEmpty();
    }
}
