package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

@IntegrationTest
class RunWritesApiTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    RunCreator creator;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;

    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
    }

    private CreatedRun run(String metadata, List<String> tags) {
        return creator.create(new NewRun(NewRun.Placement.of(env.environment().id(), "task-a", "task/task-a"),
                new NewRun.Payload("{}", "application/json", metadata, metadata == null ? null : "application/json", tags),
                NewRun.Idempotency.NONE, NewRun.Timing.NONE, NewRun.Origin.STANDARD));
    }

    private ResultActions putMetadata(ProvisionedEnvironment as, String runId, String body) throws Exception {
        return mvc.perform(put("/api/v1/runs/" + runId + "/metadata").header("Authorization", "Bearer " + as.secretKey())
                .contentType(MediaType.APPLICATION_JSON).content(body));
    }

    private ResultActions postTags(String runId, String body) throws Exception {
        return mvc.perform(post("/api/v1/runs/" + runId + "/tags").header("Authorization", "Bearer " + env.secretKey())
                .contentType(MediaType.APPLICATION_JSON).content(body));
    }

    private Instant version(CreatedRun run) {
        return jdbc.sql("SELECT updated_at FROM task_runs WHERE id = ?").param(run.id()).query(Timestamp.class).single()
                .toInstant();
    }

    @Test
    void metadataIsReplacedThenOperatedOnAndReturned() throws Exception {
        CreatedRun run = run("{\"old\":true}", List.of());

        putMetadata(env, run.friendlyId(), """
                {"metadata":{"progress":0.5},"operations":[{"type":"append","key":"logs","value":"started"},
                 {"type":"increment","key":"count","value":2}]}""")
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.metadata.progress").value(0.5))
                .andExpect(jsonPath("$.metadata.logs[0]").value("started"))
                .andExpect(jsonPath("$.metadata.count").value(2))
                .andExpect(jsonPath("$.metadata.old").doesNotExist());

        String stored = jdbc.sql("SELECT metadata FROM task_runs WHERE id = ?").param(run.id()).query(String.class).single();
        assertThat(stored).contains("\"progress\":0.5").contains("\"count\":2").doesNotContain("old");
    }

    @Test
    void metadataUpdateThatChangesNothingWritesNothing() throws Exception {
        CreatedRun run = run("{\"a\":1,\"b\":[1,2]}", List.of());
        Instant before = version(run);

        putMetadata(env, run.friendlyId(), "{\"metadata\":{\"b\":[1,2],\"a\":1}}").andExpect(status().isOk())
                .andExpect(jsonPath("$.metadata.a").value(1));
        putMetadata(env, run.friendlyId(), "{\"operations\":[{\"type\":\"delete\",\"key\":\"missing\"}]}")
                .andExpect(status().isOk());
        putMetadata(env, run.friendlyId(), "{}").andExpect(status().isOk());

        assertThat(version(run)).isEqualTo(before);
    }

    @Test
    void metadataOverTheSizeLimitIs413() throws Exception {
        CreatedRun run = run(null, List.of());
        String big = "x".repeat(256 * 1024);

        putMetadata(env, run.friendlyId(), "{\"metadata\":{\"blob\":\"" + big + "\"}}")
                .andExpect(status().isContentTooLarge())
                .andExpect(jsonPath("$.error").value(org.hamcrest.Matchers.containsString("262144")));
        assertThat(jdbc.sql("SELECT metadata FROM task_runs WHERE id = ?").param(run.id()).query(String.class).optional())
                .isEmpty();
    }

    @Test
    void anotherEnvironmentsRunIsNotFound() throws Exception {
        CreatedRun run = run(null, List.of());
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);

        putMetadata(other, run.friendlyId(), "{\"metadata\":{\"a\":1}}")
                .andExpect(status().isNotFound()).andExpect(jsonPath("$.error").value("Run not found"));
        mvc.perform(post("/api/v1/runs/" + run.friendlyId() + "/tags").header("Authorization", "Bearer " + other.secretKey())
                        .contentType(MediaType.APPLICATION_JSON).content("{\"tags\":[\"x\"]}"))
                .andExpect(status().isNotFound());
        putMetadata(env, "run_doesnotexist", "{\"metadata\":{}}").andExpect(status().isNotFound());
    }

    @Test
    void finishedRunsMetadataCannotChange() throws Exception {
        CreatedRun run = run(null, List.of());
        jdbc.sql("UPDATE task_runs SET status = 'COMPLETED_SUCCESSFULLY' WHERE id = ?").param(run.id()).update();

        putMetadata(env, run.friendlyId(), "{\"metadata\":{\"a\":1}}").andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").exists());
    }

    @Test
    void malformedMetadataUpdatesAre400() throws Exception {
        CreatedRun run = run(null, List.of());
        putMetadata(env, run.friendlyId(), "{\"metadata\":[1,2]}").andExpect(status().isBadRequest());
        putMetadata(env, run.friendlyId(), "{\"operations\":[{\"type\":\"nope\",\"key\":\"a\"}]}")
                .andExpect(status().isBadRequest()).andExpect(jsonPath("$.error").exists());
        putMetadata(env, run.friendlyId(), "{not json").andExpect(status().isBadRequest());
    }

    @Test
    void tagsAreAddedAsAUnionOfAtMostTen() throws Exception {
        CreatedRun run = run(null, List.of("a", "b"));

        postTags(run.friendlyId(), "{\"tags\":[\"b\",\"c\"]}").andExpect(status().isOk())
                .andExpect(jsonPath("$.message").value("Successfully set 1 new tags."));
        postTags(run.friendlyId(), "{\"tags\":\"d\"}").andExpect(status().isOk());

        List<String> tags = jdbc.sql("SELECT unnest(tags) FROM task_runs WHERE id = ?").param(run.id()).query(String.class).list();
        assertThat(tags).containsExactly("a", "b", "c", "d");

        postTags(run.friendlyId(), "{\"tags\":[\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]}")
                .andExpect(status().isUnprocessableContent()).andExpect(jsonPath("$.error").exists());
        postTags(run.friendlyId(), "{\"tags\":[\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]}").andExpect(status().isOk());
        assertThat(jdbc.sql("SELECT cardinality(tags) FROM task_runs WHERE id = ?").param(run.id()).query(Integer.class)
                .single()).isEqualTo(10);
    }

    @Test
    void addingTagsTheRunAlreadyHasWritesNothing() throws Exception {
        CreatedRun run = run(null, List.of("a"));
        Instant before = version(run);

        postTags(run.friendlyId(), "{\"tags\":[\"a\"]}").andExpect(status().isOk())
                .andExpect(jsonPath("$.message").value("Successfully set 0 new tags."));

        assertThat(version(run)).isEqualTo(before);
    }

    @Test
    void invalidTagsAre400() throws Exception {
        CreatedRun run = run(null, List.of());
        postTags(run.friendlyId(), "{\"tags\":[1]}").andExpect(status().isBadRequest());
        postTags(run.friendlyId(), "{}").andExpect(status().isBadRequest());
        postTags(run.friendlyId(), "{\"tags\":[\"\"]}").andExpect(status().isBadRequest());
        postTags(run.friendlyId(), "{\"tags\":[\"" + "t".repeat(129) + "\"]}").andExpect(status().isBadRequest());
    }

    @Test
    void writesNeedTheSecretKey() throws Exception {
        CreatedRun run = run(null, List.of());
        mvc.perform(put("/api/v1/runs/" + run.friendlyId() + "/metadata").contentType(MediaType.APPLICATION_JSON)
                .content("{\"metadata\":{}}")).andExpect(status().isUnauthorized());
    }
}
