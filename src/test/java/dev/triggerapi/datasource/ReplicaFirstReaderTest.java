package dev.triggerapi.datasource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The writer fallback against the real replica: a miss re-checked on the writer, a lost session retried there. */
@IntegrationTest
class ReplicaFirstReaderTest {

    @Autowired
    ReplicaFirstReader reader;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    ReplicaCircuitBreaker breaker;
    @Autowired
    MeterRegistry meters;

    private double connectionLost() {
        var counter = meters.find("datasource.replica.fallback").tag("reason", "connection_lost").counter();
        return counter == null ? 0 : counter.count();
    }

    /** Runs on the replica: ends this very session there, as a stopping replica does (57P01 admin_shutdown). */
    private boolean endSessionIfOnReplica() {
        boolean onReplica = jdbc.sql("SELECT pg_is_in_recovery()").query(Boolean.class).single();
        if (onReplica) {
            jdbc.sql("SELECT pg_terminate_backend(pg_backend_pid())").query(Boolean.class).single();
        }
        return onReplica;
    }

    @Test
    void aReadWhoseReplicaSessionEndsMidTransactionIsRunOnceMoreOnTheWriter() {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(breaker::replicaAvailable);
        String slug = "org-" + Ids.newId();
        String id = Ids.newId();
        jdbc.sql("INSERT INTO organizations (id, slug, title) VALUES (?, ?, 't')").params(id, slug).update();
        double lost = connectionLost();
        AtomicInteger attempts = new AtomicInteger();

        ReplicaFirstReader.Result<String> result = reader.read(() -> {
            attempts.incrementAndGet();
            return endSessionIfOnReplica() ? Optional.empty() : findOrg(slug);
        });

        assertThat(result.value()).contains(id);
        assertThat(result.source()).isEqualTo(ReadSource.WRITER);
        assertThat(attempts).hasValue(2);
        assertThat(connectionLost()).isEqualTo(lost + 1);
        // The breaker opened; the probe finds the replica healthy and closes it again.
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(breaker::replicaAvailable);

        AtomicInteger replicaOnly = new AtomicInteger();
        assertThat(reader.onReplica(() -> {
            replicaOnly.incrementAndGet();
            return endSessionIfOnReplica();
        })).as("answered by the writer").isFalse();
        assertThat(replicaOnly).hasValue(2);
        assertThat(connectionLost()).isEqualTo(lost + 2);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(breaker::replicaAvailable);
    }

    @Test
    void otherReplicaErrorsAreNotRetriedOnTheWriter() {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(breaker::replicaAvailable);
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> reader.onReplica(() -> {
            attempts.incrementAndGet();
            return jdbc.sql("SELECT 1 / 0").query(Integer.class).single();
        })).isInstanceOf(DataAccessException.class);
        assertThat(attempts).hasValue(1);
        assertThat(breaker.replicaAvailable()).isTrue();
    }

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
