package dev.triggerapi.runlist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triggerapi.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The runs list with replication off: served from the PostgreSQL replica, same contract. */
@IntegrationTest
class RunsListFromReplicaApiTest extends RunsListApiContract {

    @Autowired
    RunListService runsList;

    @Test
    void isServedFromTheReplica() {
        assertThat(runsList.store().name()).isEqualTo("replica");
    }
}
