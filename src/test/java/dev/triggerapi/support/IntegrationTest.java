package dev.triggerapi.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.context.ActiveProfiles;

/**
 * A test against the real embedded cluster (PostgreSQL primary + streaming replica + Redis, one per test
 * JVM) through the full Spring context and filter chain, or against the same cluster in containers when
 * {@code -Dtrigger-api.test.fixture=containers} selects {@link ContainerCluster} (skipped when no Docker engine
 * answers). The replica's apply delay is reset to 0 after every test.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest
@AutoConfigureMockMvc
@ActiveProfiles("test")
@ExtendWith({ContainerFixtureCondition.class, ReplicaDelayReset.class})
public @interface IntegrationTest {
}
