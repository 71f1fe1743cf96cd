package dev.triggerapi.runlist;

import dev.triggerapi.clickhouse.ClickHouseClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the runs list: ClickHouse-backed (falling back to the replica) when a {@link ClickHouseClient} exists,
 * i.e. when runs replication is on, replica-backed otherwise.
 */
@Configuration(proxyBeanMethods = false)
class RunListConfiguration {

    @Bean
    RunListService runsList(ObjectProvider<ClickHouseClient> clickHouse, ReplicaRunListStore replica, RunListNames names) {
        ClickHouseClient client = clickHouse.getIfAvailable();
        return client != null ? new RunListService(new ClickHouseRunListStore(client), replica, names)
                : new RunListService(replica, null, names);
    }
}
