package dev.triggerapi.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;

import com.jayway.jsonpath.JsonPath;
import dev.triggerapi.deployment.DeploymentService;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.local.LocalCluster;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.Registrations;
import dev.triggerapi.support.TestData;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The per-environment trigger rate limit on the real Redis: a bucket of 3 that refills one token every 5 s, so a
 * test drains it in one request and the next request is refused whatever the machine's speed.
 */
@IntegrationTest
@TestPropertySource(properties = {
        "trigger-api.rate-limit.trigger.burst=3",
        "trigger-api.rate-limit.trigger.refill-per-second=0.2",
        "trigger-api.rate-limit.trigger.failure-backoff=200ms"})
class TriggerRateLimitTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    DeploymentService deployments;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    MeterRegistry meters;
    @Autowired
    StringRedisTemplate redis;

    private ProvisionedEnvironment env;

    @Autowired
    TriggerRateLimiter limiter;

    @BeforeEach
    void setUp() {
        env = deployed();
        awaitLimiterOnRedis();
    }

    /**
     * The shared Redis connection is opened lazily and may time out on a busy machine (the limiter then fails
     * open, by design): wait until a charge to a scratch bucket is answered by Redis before testing the limit.
     */
    private void awaitLimiterOnRedis() {
        AuthenticatedEnvironment scratch = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT).environment();
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            MockHttpServletResponse response = new MockHttpServletResponse();
            limiter.charge(scratch, 1, response);
            return response.getHeader("X-RateLimit-Limit") != null;
        });
    }

    private ProvisionedEnvironment deployed() {
        ProvisionedEnvironment created = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        deployments.register(created.environment(),
                Registrations.worker("1", Registrations.task("hello-world", "10m", "hello")));
        deployments.promote(created.environment(), "1");
        return created;
    }

    private MockHttpServletResponse trigger(ProvisionedEnvironment target) throws Exception {
        return mvc.perform(post("/api/v1/tasks/hello-world/trigger")
                .header("Authorization", "Bearer " + target.secretKey())
                .contentType(MediaType.APPLICATION_JSON).content("{\"payload\":{\"n\":1}}")).andReturn().getResponse();
    }

    private MockHttpServletResponse batch(ProvisionedEnvironment target, int items) throws Exception {
        StringBuilder body = new StringBuilder("{\"items\":[");
        for (int i = 0; i < items; i++) {
            body.append(i == 0 ? "" : ",").append("{\"task\":\"hello-world\",\"payload\":{\"i\":").append(i).append("}}");
        }
        return mvc.perform(post("/api/v1/tasks/batch").header("Authorization", "Bearer " + target.secretKey())
                .contentType(MediaType.APPLICATION_JSON).content(body.append("]}").toString())).andReturn().getResponse();
    }

    private long runs(ProvisionedEnvironment target) {
        return jdbc.sql("SELECT count(*) FROM task_runs WHERE runtime_environment_id = ?")
                .param(target.environment().id()).query(Long.class).single();
    }

    private double counter(String name, String tagKey, String tagValue) {
        return meters.get(name).tag(tagKey, tagValue).counter().count();
    }

    @Test
    void allowedTriggersCarryTheLimitHeadersAndCountDown() throws Exception {
        long before = System.currentTimeMillis();
        MockHttpServletResponse first = trigger(env);

        assertThat(first.getStatus()).as(first.getContentAsString()).isEqualTo(200);
        assertThat(first.getHeader("X-RateLimit-Limit")).isEqualTo("3");
        assertThat(first.getHeader("X-RateLimit-Remaining")).isEqualTo("2");
        // Unix ms (what the official SDK parses) of a full bucket again: one spent token refills in 5 s.
        long reset = Long.parseLong(first.getHeader("X-RateLimit-Reset"));
        assertThat(reset).isBetween(before, System.currentTimeMillis() + 5_000 + 1_000);
        assertThat(first.getHeader("Retry-After")).isNull();

        assertThat(trigger(env).getHeader("X-RateLimit-Remaining")).isEqualTo("1");
    }

    @Test
    void overTheLimitIsA429WithRetryAfterAndNoRunIsCreated() throws Exception {
        MockHttpServletResponse drained = batch(env, 3);
        assertThat(drained.getStatus()).as(drained.getContentAsString()).isEqualTo(200);
        assertThat(drained.getHeader("X-RateLimit-Remaining")).isEqualTo("0");
        double limitedBefore = counter("rate_limit.trigger.decisions", "outcome", "limited");

        long before = System.currentTimeMillis();
        MockHttpServletResponse refused = trigger(env);

        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(refused.getContentType()).startsWith(MediaType.APPLICATION_JSON_VALUE);
        assertThat((String) JsonPath.read(refused.getContentAsString(), "$.error")).contains("Rate limit exceeded");
        assertThat(refused.getContentAsString()).doesNotContain("Exception");
        int retryAfter = Integer.parseInt(refused.getHeader("Retry-After"));
        assertThat(retryAfter).isBetween(1, 5);
        assertThat(refused.getHeader("X-RateLimit-Limit")).isEqualTo("3");
        assertThat(refused.getHeader("X-RateLimit-Remaining")).isEqualTo("0");
        // When this request could pass: no later than one token's refill time from now.
        long reset = Long.parseLong(refused.getHeader("X-RateLimit-Reset"));
        assertThat(reset).isBetween(before, System.currentTimeMillis() + 5_000 + 1_000);
        assertThat(runs(env)).isEqualTo(3);
        assertThat(counter("rate_limit.trigger.decisions", "outcome", "limited")).isEqualTo(limitedBefore + 1);
    }

    @Test
    void aBatchCostsItsItemCountAndIsRefusedWholeWhenTheBucketCannotPay() throws Exception {
        assertThat(trigger(env).getStatus()).isEqualTo(200);

        MockHttpServletResponse refused = batch(env, 3);

        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(runs(env)).isEqualTo(1);
    }

    @Test
    void streamedBatchItemsAreChargedPerItemBeforeAnyRunIsCreated() throws Exception {
        MockHttpServletResponse created = mvc.perform(post("/api/v3/batches")
                .header("Authorization", "Bearer " + env.secretKey()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"runCount\":3}")).andReturn().getResponse();
        assertThat(created.getStatus()).as(created.getContentAsString()).isEqualTo(202);
        assertThat(created.getHeader("X-RateLimit-Remaining")).isEqualTo("2");
        String batchId = JsonPath.read(created.getContentAsString(), "$.id");

        MockHttpServletResponse items = mvc.perform(post("/api/v3/batches/" + batchId + "/items")
                .header("Authorization", "Bearer " + env.secretKey()).contentType("application/x-ndjson")
                .content("{\"index\":0,\"task\":\"hello-world\",\"payload\":{}}\n"
                        + "{\"index\":1,\"task\":\"hello-world\",\"payload\":{}}\n"
                        + "{\"index\":2,\"task\":\"hello-world\",\"payload\":{}}\n")).andReturn().getResponse();

        assertThat(items.getStatus()).as(items.getContentAsString()).isEqualTo(429);
        assertThat(items.getHeader("Retry-After")).isNotNull();
        assertThat(runs(env)).isZero();
    }

    @Test
    void environmentsHaveIndependentBuckets() throws Exception {
        ProvisionedEnvironment other = deployed();
        assertThat(batch(env, 3).getStatus()).isEqualTo(200);
        assertThat(trigger(env).getStatus()).isEqualTo(429);

        MockHttpServletResponse otherTrigger = trigger(other);

        assertThat(otherTrigger.getStatus()).as(otherTrigger.getContentAsString()).isEqualTo(200);
        assertThat(otherTrigger.getHeader("X-RateLimit-Remaining")).isEqualTo("2");
    }

    @Test
    void tokensRefillOverTime() throws Exception {
        assertThat(batch(env, 3).getStatus()).isEqualTo(200);
        assertThat(trigger(env).getStatus()).isEqualTo(429);

        // One token every 5 s: the bucket lets a trigger through again without anyone resetting it.
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> trigger(env).getStatus() == 200);
        assertThat(runs(env)).isEqualTo(4);
    }

    @Test
    void triggersFailOpenWhileRedisIsDown() throws Exception {
        assertThat(batch(env, 3).getStatus()).isEqualTo(200);
        double failedOpen = counter("rate_limit.trigger.fail_open", "reason", "redis_error")
                + counter("rate_limit.trigger.fail_open", "reason", "backoff");
        LocalCluster cluster = Cluster.get();
        cluster.stopRedis();
        try {
            for (int i = 0; i < 3; i++) {
                MockHttpServletResponse response = trigger(env);
                assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
                assertThat(response.getHeader("X-RateLimit-Remaining")).isNull();
            }
            assertThat(runs(env)).isEqualTo(6);
            assertThat(counter("rate_limit.trigger.fail_open", "reason", "redis_error")
                    + counter("rate_limit.trigger.fail_open", "reason", "backoff")).isEqualTo(failedOpen + 3);
        } finally {
            cluster.startRedis();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> "PONG".equals(redis.execute((RedisCallback<String>) connection -> connection.ping())));
        }
        // Back on Redis, the limit applies again.
        awaitLimiterOnRedis();
        assertThat(trigger(env).getHeader("X-RateLimit-Limit")).isEqualTo("3");
    }
}
