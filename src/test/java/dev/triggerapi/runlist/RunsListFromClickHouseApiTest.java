package dev.triggerapi.runlist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triggerapi.replication.ReplicationIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The runs list with replication on: served from ClickHouse. */
@ReplicationIntegrationTest
class RunsListFromClickHouseApiTest extends RunsListApiContract {

    @Autowired
    RunListService runsList;

    @Test
    void isServedFromClickHouse() {
        assertThat(runsList.store().name()).isEqualTo("clickhouse");
    }
}
