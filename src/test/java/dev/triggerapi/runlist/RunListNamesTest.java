package dev.triggerapi.runlist;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.ReplicaLag;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

/** Version and region names of the runs list resolve to ids, also before the replica has them. */
@IntegrationTest
class RunListNamesTest {

    @Autowired
    RunListNames names;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    Clock clock;

    @Test
    void aVersionAndRegionTheReplicaDoesNotHaveYetAreFoundOnTheWriter() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        ReplicaLag.behindBy(Duration.ofSeconds(60), jdbc, transactions);
        String workerId = Ids.newId();
        jdbc.sql("INSERT INTO background_workers (id, friendly_id, runtime_environment_id, version) VALUES (?, ?, ?, ?)")
                .params(workerId, "worker_" + workerId, env.environment().id(), "20260101.1").update();
        String groupId = Ids.newId();
        String region = "region-" + groupId;
        jdbc.sql("INSERT INTO worker_groups (id, name) VALUES (?, ?)").params(groupId, region).update();

        RunListQuery resolved = names.resolve(parse(env, Map.of("filter[version]", List.of("20260101.1,19990101.1"),
                "filter[region]", List.of(region))));

        assertThat(resolved.lockedToWorkerIds()).containsExactly(workerId);
        assertThat(resolved.workerGroupIds()).containsExactly(groupId);
        assertThat(resolved.matchesNothing()).isFalse();
    }

    @Test
    void aVersionOfAnotherEnvironmentMatchesNothing() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        String workerId = Ids.newId();
        jdbc.sql("INSERT INTO background_workers (id, friendly_id, runtime_environment_id, version) VALUES (?, ?, ?, ?)")
                .params(workerId, "worker_" + workerId, other.environment().id(), "20260101.2").update();

        RunListQuery resolved = names.resolve(parse(env, Map.of("filter[version]", List.of("20260101.2"))));

        assertThat(resolved.lockedToWorkerIds()).isEmpty();
        assertThat(resolved.matchesNothing()).isTrue();
    }

    private RunListQuery parse(ProvisionedEnvironment env, Map<String, List<String>> params) {
        return new RunListQueryParser(clock).parse(env.environment().id(), params);
    }
}
