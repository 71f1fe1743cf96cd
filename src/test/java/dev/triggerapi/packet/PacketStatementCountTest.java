package dev.triggerapi.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.StatementCounter;
import dev.triggerapi.support.TestData;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Packet reads are one statement on a replica that has the packet, and the existence check never loads the
 * content; a packet the replica lacks costs exactly one more statement (the writer re-check).
 */
@IntegrationTest
class PacketStatementCountTest {

    @Autowired
    PacketStore store;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    EntityManagerFactory entityManagerFactory;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void storedPacketIsFoundAndLoadedWithOneStatementEach() {
        String envId = TestData.environment(provisioning, EnvironmentType.PRODUCTION).environment().id();
        store.save(envId, "p/1.json", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), "application/json");
        ReplicaLag.awaitCaughtUp(jdbc, transactions);
        StatementCounter statements = new StatementCounter(entityManagerFactory);

        assertThat(statements.count(() -> assertThat(store.exists(envId, "p/1.json")).isTrue())).isEqualTo(1);
        assertThat(statements.count(() -> assertThat(store.load(envId, "p/1.json")).hasValueSatisfying(packet -> {
            assertThat(new String(packet.content(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
            assertThat(packet.contentType()).isEqualTo("application/json");
        }))).isEqualTo(1);
        // Unknown on the replica, then on the writer.
        assertThat(statements.count(() -> assertThat(store.exists(envId, "p/none.json")).isFalse())).isEqualTo(2);
    }
}
