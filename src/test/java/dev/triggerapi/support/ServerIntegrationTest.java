package dev.triggerapi.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;

/**
 * Like {@link IntegrationTest}, but with the application listening on a real random port, for tests that need a
 * real HTTP client (streaming responses such as the realtime SSE feeds, client disconnects, slow readers). All
 * such tests use this one annotation so they share one cached Spring context. Inject the port with
 * {@code @LocalServerPort}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@ExtendWith({ContainerFixtureCondition.class, ReplicaDelayReset.class})
public @interface ServerIntegrationTest {
}
