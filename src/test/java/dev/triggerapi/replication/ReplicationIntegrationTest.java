package dev.triggerapi.replication;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.triggerapi.support.IntegrationTest;
import org.springframework.test.context.TestPropertySource;

/**
 * An {@link IntegrationTest} with runs replication on: the JVM's local ClickHouse is started and
 * {@code CLICKHOUSE_URL} points at it. Every replication test class uses exactly this annotation, so they share
 * one Spring context (and one streaming leader); timings are shortened so recoveries take seconds.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@IntegrationTest
@TestPropertySource(properties = {
        "trigger-api.local-cluster.clickhouse=true",
        "trigger-api.replication.flush-interval=200ms",
        "trigger-api.replication.insert.initial-delay=100ms",
        "trigger-api.replication.insert.max-delay=400ms",
        "trigger-api.replication.reconnect.initial-delay=200ms",
        "trigger-api.replication.reconnect.max-delay=2s",
        "trigger-api.replication.leader.acquire-interval=1s"})
public @interface ReplicationIntegrationTest {
}
