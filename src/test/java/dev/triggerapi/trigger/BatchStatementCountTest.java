package dev.triggerapi.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.StatementCounter;
import dev.triggerapi.support.TestData;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The batch row's JPA paths: re-creating a streamed batch by its idempotency key finds it with one query, and
 * retrieving a batch reads its row once per source (its runs are the run feature's {@code JdbcClient} read, which
 * Hibernate does not count).
 */
@IntegrationTest
class BatchStatementCountTest {

    @Autowired
    StreamedBatches streamed;
    @Autowired
    BatchRetrieval retrieval;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    EntityManagerFactory entityManagerFactory;

    @Test
    void batchRowsAreWrittenAndFoundWithOneStatementEach() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        String envId = env.environment().id();
        StatementCounter statements = new StatementCounter(entityManagerFactory);

        StreamedBatchRequest request = new StreamedBatchRequest(2, List.of("t"), "key-" + System.nanoTime());
        StreamedBatches.Created first = streamed.create(env.environment(), request);
        assertThat(first.isCached()).isFalse();
        assertThat(statements.count(() -> assertThat(streamed.create(env.environment(), request).id())
                .isEqualTo(first.id()))).as("the insert is JdbcClient; the existing batch is one query").isEqualTo(1);

        // Unsealed, so the replica's answer is re-read on the writer: one statement on each.
        assertThat(statements.count(() -> assertThat(retrieval.retrieve(envId, first.id())).isPresent())).isEqualTo(2);
    }
}
