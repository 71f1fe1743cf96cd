package dev.triggerapi.datasource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;

import java.time.Duration;

import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The replica process is stopped for real: read-only work moves to the writer and comes back afterwards. */
@IntegrationTest
class ReplicaFailoverTest {

    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactionManager;
    @Autowired
    MeterRegistry meters;
    @Autowired
    MockMvc mvc;
    @Autowired
    ReplicaCircuitBreaker breaker;

    private Boolean readOnlyInRecovery() {
        TransactionTemplate tx = new TransactionTemplate(transactionManager);
        tx.setReadOnly(true);
        return tx.execute(s -> jdbc.sql("SELECT pg_is_in_recovery()").query(Boolean.class).single());
    }

    private double fallbacks() {
        return meters.find("datasource.replica.fallback").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void readsFallBackToTheWriterWhileTheReplicaIsDownAndReturnWhenItIsBack() throws Exception {
        assertThat(readOnlyInRecovery()).isTrue();
        double before = fallbacks();
        Cluster.get().stopReplica();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> !breaker.replicaAvailable());

            assertThat(readOnlyInRecovery()).as("read-only work served by the writer").isFalse();
            TransactionTemplate tx = new TransactionTemplate(transactionManager);
            tx.setReadOnly(true);
            String readOnly = tx.execute(s -> jdbc.sql("SHOW transaction_read_only").query(String.class).single());
            assertThat(readOnly).as("the writer connection lent to read-only work cannot write").isEqualTo("on");
            assertThat(fallbacks()).isGreaterThan(before);
            mvc.perform(get("/actuator/health").header("Authorization", dev.triggerapi.support.Admin.AUTHORIZATION))
                    .andExpect(org.springframework.test.web.servlet.result.MockMvcResultMatchers.status().isOk())
                    .andExpect(jsonPath("$.status").value("UP"))
                    .andExpect(jsonPath("$.components.replica.status").value("DOWN"))
                    .andExpect(jsonPath("$.components.writer.status").value("UP"));
        } finally {
            Cluster.get().startReplica();
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(breaker::replicaAvailable);
        assertThat(readOnlyInRecovery()).as("reads are back on the replica").isTrue();
    }
}
