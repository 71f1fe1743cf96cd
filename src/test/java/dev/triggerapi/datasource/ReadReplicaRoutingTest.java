package dev.triggerapi.datasource;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

@IntegrationTest
class ReadReplicaRoutingTest {

    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactionManager;

    private TransactionTemplate tx(boolean readOnly) {
        TransactionTemplate template = new TransactionTemplate(transactionManager);
        template.setReadOnly(readOnly);
        return template;
    }

    private boolean inRecovery(boolean readOnly) {
        return tx(readOnly).execute(s -> jdbc.sql("SELECT pg_is_in_recovery()").query(Boolean.class).single());
    }

    @Test
    void readOnlyTransactionRunsOnTheStandby() {
        assertThat(inRecovery(true)).isTrue();
    }

    @Test
    void readWriteTransactionRunsOnThePrimary() {
        assertThat(inRecovery(false)).isFalse();
    }

    @Test
    void statementOutsideATransactionRunsOnThePrimary() {
        assertThat(jdbc.sql("SELECT pg_is_in_recovery()").query(Boolean.class).single()).isFalse();
    }

    @Test
    void commitIsInvisibleOnTheLaggingReplicaUntilTheApplyDelayPasses() {
        Cluster.replicaDelay(Duration.ofMillis(300));
        String slug = "lag-" + Ids.newId();
        tx(false).executeWithoutResult(s -> jdbc.sql("INSERT INTO organizations (id, slug, title) VALUES (?, ?, 'lag')")
                .params(Ids.newId(), slug).update());

        List<String> events = new ArrayList<>();
        events.add("committed");
        if (!visibleOnReplica(slug)) {
            events.add("absent-on-replica");
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> visibleOnReplica(slug));
        events.add("visible-on-replica");

        assertThat(events).containsExactly("committed", "absent-on-replica", "visible-on-replica");
        Integer onWriter = tx(false).execute(s -> jdbc.sql("SELECT count(*) FROM organizations WHERE slug = ?")
                .param(slug).query(Integer.class).single());
        assertThat(onWriter).isEqualTo(1);
    }

    private boolean visibleOnReplica(String slug) {
        return tx(true).execute(s -> jdbc.sql("SELECT count(*) FROM organizations WHERE slug = ?")
                .param(slug).query(Integer.class).single()) == 1;
    }
}
