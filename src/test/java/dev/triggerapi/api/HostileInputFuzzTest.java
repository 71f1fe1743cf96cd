package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.SweeperPause;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.SweeperPaused;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import javax.sql.DataSource;

import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Seeded fuzzing of every public endpoint through the real filter chain (see {@link HostileRequests} for what is
 * generated). For every case: never a 5xx; a case that is invalid by construction is a 4xx; every error is
 * {@code {"error": "..."}} JSON without a stack trace, class name or SQL; and a rejected request changed nothing
 * in the database (runs, snapshots, batches, workers, queues, deployments, packets of the test environment).
 * Accepted cases must leave the run readable through {@code GET /api/v3/runs/{id}}.
 *
 * <p>Reproduce a run with {@code -Dfuzz.seed=<seed>} (the seed is in every test name and failure message), and
 * replay it N times in a row with {@code -Dfuzz.repeat=N}. Each case runs with the run sweeper paused
 * ({@link SweeperPause}), so background expiry of an earlier accepted run never looks like a change.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputFuzzTest {

    static final long SEED = Long.getLong("fuzz.seed", new SecureRandom().nextLong());

    /** Internals that must never reach a client (unless the request itself contained them, i.e. an echo). */
    private static final List<Pattern> LEAKS = List.of(
            Pattern.compile("Exception"), Pattern.compile("\\bat [a-z][\\w$]*\\.[\\w$.]+\\("), Pattern.compile("\\borg\\.[a-z]+\\."),
            Pattern.compile("\\bjava\\.[a-z]+"), Pattern.compile("tools\\.jackson"), Pattern.compile("com\\.fasterxml"),
            Pattern.compile("dev\\.triggerapi"), Pattern.compile("SQL"), Pattern.compile("(?i)\\bselect\\b.+\\bfrom\\b"),
            Pattern.compile("(?i)\\binsert into\\b"), Pattern.compile("(?i)\\bupdate\\b.+\\bset\\b"), Pattern.compile("ERROR:"),
            Pattern.compile("(?i)hibernate"), Pattern.compile("(?i)jdbc"), Pattern.compile("(?i)postgres"),
            Pattern.compile("(?i)line: ?\\d+, column"), Pattern.compile("Source: "));

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    JsonMapper json;
    @Autowired
    @Qualifier("writerDataSource")
    DataSource writer;

    private ProvisionedEnvironment env;
    private HostileRequests.Fixture fixture;

    @BeforeAll
    void createFixture() throws Exception {
        env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        String auth = "Bearer " + env.secretKey();
        expectOk(mvc.perform(post("/api/v1/deployments").header("Authorization", auth).contentType(MediaType.APPLICATION_JSON)
                .content("{\"version\":\"1\",\"tasks\":[{\"slug\":\"fuzz-task\",\"ttl\":\"10m\",\"queue\":{\"name\":\"fuzz\"}}]}"))
                .andReturn());
        expectOk(mvc.perform(post("/api/v1/deployments/1/promote").header("Authorization", auth)).andReturn());
        String runId = body(expectOk(mvc.perform(post("/api/v1/tasks/fuzz-task/trigger").header("Authorization", auth)
                .contentType(MediaType.APPLICATION_JSON).content("{\"payload\":{\"a\":1}}")).andReturn())).get("id").stringValue();
        String snapshotId = jdbc.sql("SELECT latest_snapshot_id FROM task_runs WHERE friendly_id = ?").param(runId)
                .query(String.class).single();
        int batchRunCount = 3;
        String batchId = body(expectOk(mvc.perform(post("/api/v3/batches").header("Authorization", auth)
                .contentType(MediaType.APPLICATION_JSON).content("{\"runCount\":" + batchRunCount + "}")).andReturn()))
                .get("id").stringValue();
        String upload = body(expectOk(mvc.perform(put("/api/v2/packets/fuzz-p.json").header("Authorization", auth)).andReturn()))
                .get("presignedUrl").stringValue();
        String download = body(expectOk(mvc.perform(get("/api/v2/packets/fuzz-p.json").header("Authorization", auth)).andReturn()))
                .get("presignedUrl").stringValue();
        String workerToken = TestData.workerGroup(provisioning).token();
        fixture = new HostileRequests.Fixture(env.secretKey(), workerToken, runId, snapshotId, batchId, batchRunCount,
                token(upload), token(download));
    }

    /**
     * The cases of {@link #SEED}, once, or {@code -Dfuzz.repeat=N} times in a row, each repetition against a fresh
     * environment and fixture (as a fresh run would be), so a seed can be replayed many times in one JVM.
     */
    @TestFactory
    Stream<DynamicNode> everyHostileRequestIsAClean4xxThatChangesNothing() {
        int repeat = Integer.getInteger("fuzz.repeat", 1);
        Stream<DynamicNode> first = tests("");
        if (repeat <= 1) {
            return first;
        }
        Stream<DynamicNode> more = IntStream.rangeClosed(2, repeat).mapToObj(r -> DynamicContainer.dynamicContainer(
                "repetition " + r + " of seed " + SEED,
                // flatMap is lazy: the fresh fixture is made when JUnit reaches this repetition, not up front.
                Stream.of(r).flatMap(n -> {
                    createFixtureUnchecked();
                    return tests("[repetition " + n + "] ");
                })));
        return Stream.concat(first, more);
    }

    private Stream<DynamicNode> tests(String prefix) {
        List<FuzzCase> cases = new HostileRequests(new Random(SEED), fixture).generate();
        System.out.printf("HostileInputFuzzTest: %sseed=%d, %d cases (%d must be rejected)%n", prefix, SEED, cases.size(),
                cases.stream().filter(FuzzCase::mustReject).count());
        return Stream.iterate(0, i -> i < cases.size(), i -> i + 1).map(i -> {
            FuzzCase c = cases.get(i);
            return DynamicTest.dynamicTest(prefix + "[seed=" + SEED + " #" + i + "] " + c.name(), () -> check(c));
        });
    }

    private void createFixtureUnchecked() {
        try {
            createFixture();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs the case with the run sweeper paused on every instance ({@link SweeperPause}): an accepted case earlier
     * in the list may have created a run with a short TTL or delay, and the sweeper expiring or queueing it between
     * the two state reads would look like a rejected request changing the database.
     */
    private void check(FuzzCase c) throws Exception {
        try (SweeperPaused paused = SweeperPaused.take(writer)) {
            checkWithSweeperPaused(c);
        }
    }

    private void checkWithSweeperPaused(FuzzCase c) throws Exception {
        Map<String, Object> before = persistedState();
        MvcResult result = mvc.perform(toRequest(c)).andReturn();
        if (result.getRequest().isAsyncStarted()) {
            boolean stream = c.uri().startsWith("/realtime/");
            assertThat(stream).as(context(c, result, "a realtime stream started for a request that should be refused"))
                    .isFalse();
            result = mvc.perform(asyncDispatch(result)).andReturn();
        }
        int status = result.getResponse().getStatus();
        String body = result.getResponse().getContentAsString(StandardCharsets.UTF_8);

        assertThat(status).as(context(c, result, "never a 5xx")).isLessThan(500);
        if (c.mustReject()) {
            assertThat(status).as(context(c, result, "an invalid request is a 4xx")).isBetween(400, 499);
        }
        if (status >= 400) {
            assertThat(result.getResponse().getContentType()).as(context(c, result, "errors are JSON"))
                    .startsWith(MediaType.APPLICATION_JSON_VALUE);
            JsonNode error = json.readTree(body);
            assertThat(error.isObject() && error.path("error").isString() && !error.get("error").stringValue().isBlank())
                    .as(context(c, result, "body is {\"error\": \"...\"}")).isTrue();
            String request = c.uri() + " " + (c.body() == null ? "" : new String(c.body(), StandardCharsets.UTF_8));
            for (Pattern leak : LEAKS) {
                if (leak.matcher(body).find() && !leak.matcher(request).find()) {
                    throw new AssertionError(context(c, result, "error leaks internals (" + leak + ")"));
                }
            }
            assertThat(persistedState()).as(context(c, result, "a rejected request persists nothing")).isEqualTo(before);
        } else {
            accepted(c, result, body);
        }
    }

    /** Whatever was accepted must stay readable: the fixture run and any run the answer names. */
    private void accepted(FuzzCase c, MvcResult result, String body) throws Exception {
        List<String> runIds = new java.util.ArrayList<>(List.of(fixture.runId()));
        if (body.startsWith("{")) {
            JsonNode answer = json.readTree(body);
            if (answer.path("id").isString() && answer.get("id").stringValue().startsWith("run_")) {
                runIds.add(answer.get("id").stringValue());
            }
        }
        for (String runId : runIds) {
            MvcResult read = mvc.perform(get("/api/v3/runs/" + runId).header("Authorization", "Bearer " + env.secretKey()))
                    .andReturn();
            assertThat(read.getResponse().getStatus())
                    .as(context(c, result, "accepted data stays readable: GET " + runId + " answered "
                            + read.getResponse().getContentAsString()))
                    .isEqualTo(200);
        }
    }

    /** Row counts (and the runs' latest change) of everything the API could create for the environment. */
    private Map<String, Object> persistedState() {
        return jdbc.sql("""
                        SELECT (SELECT count(*) FROM task_runs WHERE runtime_environment_id = :env) AS runs,
                               (SELECT max(updated_at) FROM task_runs WHERE runtime_environment_id = :env) AS runs_updated,
                               (SELECT count(*) FROM execution_snapshots WHERE runtime_environment_id = :env) AS snapshots,
                               (SELECT count(*) FROM task_run_batches WHERE runtime_environment_id = :env) AS batches,
                               (SELECT count(*) FILTER (WHERE sealed) FROM task_run_batches WHERE runtime_environment_id = :env) AS sealed,
                               (SELECT count(*) FROM background_workers WHERE runtime_environment_id = :env) AS workers,
                               (SELECT count(*) FROM background_worker_tasks WHERE runtime_environment_id = :env) AS tasks,
                               (SELECT count(*) FROM task_queues WHERE runtime_environment_id = :env) AS queues,
                               (SELECT count(*) FROM worker_deployments WHERE runtime_environment_id = :env) AS deployments,
                               (SELECT max(promoted_at) FROM worker_deployment_promotions WHERE runtime_environment_id = :env) AS promoted,
                               (SELECT count(*) FROM payload_packets WHERE runtime_environment_id = :env) AS packets""")
                .param("env", env.environment().id()).query().singleRow();
    }

    private static MockHttpServletRequestBuilder toRequest(FuzzCase c) {
        MockHttpServletRequestBuilder builder;
        try {
            builder = request(HttpMethod.valueOf(c.method()), URI.create(c.uri()));
        } catch (IllegalArgumentException undecodable) {
            // A target no URI parser accepts (a stray '%'): handed to the filter chain exactly as it would arrive.
            int q = c.uri().indexOf('?');
            String path = q < 0 ? c.uri() : c.uri().substring(0, q);
            String query = q < 0 ? null : c.uri().substring(q + 1);
            builder = request(HttpMethod.valueOf(c.method()), URI.create("/")).with(r -> {
                r.setRequestURI(path);
                r.setQueryString(query);
                return r;
            });
        }
        c.headers().forEach(builder::header);
        if (c.body() != null) {
            builder.content(c.body());
        }
        return builder;
    }

    private static String context(FuzzCase c, MvcResult result, String expectation) {
        String body;
        try {
            body = result.getResponse().getContentAsString(StandardCharsets.UTF_8);
        } catch (Exception e) {
            body = "<unreadable>";
        }
        return expectation + " — reproduce with -Dfuzz.seed=" + SEED + "\n  case: " + c.name() + "\n  request: "
                + c.describe() + "\n  answer: " + result.getResponse().getStatus() + " "
                + (body.length() > 500 ? body.substring(0, 500) + "..." : body);
    }

    private JsonNode body(MvcResult result) throws Exception {
        return json.readTree(result.getResponse().getContentAsString());
    }

    private static MvcResult expectOk(MvcResult result) throws Exception {
        if (result.getResponse().getStatus() >= 300) {
            throw new AssertionError(result.getResponse().getStatus() + " " + result.getResponse().getContentAsString());
        }
        return result;
    }

    private static String token(String presignedUrl) {
        return presignedUrl.substring(presignedUrl.lastIndexOf('/') + 1);
    }
}
