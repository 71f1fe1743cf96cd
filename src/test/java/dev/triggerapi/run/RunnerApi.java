package dev.triggerapi.run;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.util.ArrayList;
import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A runner talking to the engine endpoints through the real filter chain, scoped to one environment. */
final class RunnerApi {

    private final MockMvc mvc;
    private final JsonMapper json;
    private final String token;
    private final String environmentId;

    RunnerApi(MockMvc mvc, JsonMapper json, String token, String environmentId) {
        this.mvc = mvc;
        this.json = json;
        this.token = token;
        this.environmentId = environmentId;
    }

    /** Dequeues; returns the claimed items ({@code {run, snapshot}}). */
    List<JsonNode> dequeue(int maxRuns) throws Exception {
        MvcResult result = call(post("/engine/v1/worker-actions/dequeue")
                .content("{\"maxRuns\":" + maxRuns + "}"));
        if (result.getResponse().getStatus() != 200) {
            throw new AssertionError("dequeue: " + result.getResponse().getStatus() + " " + result.getResponse().getContentAsString());
        }
        List<JsonNode> items = new ArrayList<>();
        json.readTree(result.getResponse().getContentAsString()).forEach(items::add);
        return items;
    }

    MvcResult start(String runFriendlyId, String snapshotId) throws Exception {
        return call(post(runPath(runFriendlyId, snapshotId) + "/attempts/start"));
    }

    MvcResult complete(String runFriendlyId, String snapshotId, String completionJson) throws Exception {
        return call(post(runPath(runFriendlyId, snapshotId) + "/attempts/complete")
                .content("{\"completion\":" + completionJson + "}"));
    }

    MvcResult heartbeat(String runFriendlyId, String snapshotId) throws Exception {
        return call(post(runPath(runFriendlyId, snapshotId) + "/heartbeat"));
    }

    JsonNode body(MvcResult result) throws Exception {
        return json.readTree(result.getResponse().getContentAsString());
    }

    /** The body of a 200 answer; fails with the body otherwise. */
    JsonNode ok(MvcResult result) throws Exception {
        if (result.getResponse().getStatus() != 200) {
            throw new AssertionError(result.getResponse().getStatus() + " " + result.getResponse().getContentAsString());
        }
        return body(result);
    }

    private static String runPath(String runFriendlyId, String snapshotId) {
        return "/engine/v1/worker-actions/runs/" + runFriendlyId + "/snapshots/" + snapshotId;
    }

    private MvcResult call(MockHttpServletRequestBuilder request) throws Exception {
        request.header("Authorization", "Bearer " + token).contentType(MediaType.APPLICATION_JSON);
        if (environmentId != null) {
            request.header("x-trigger-worker-environment-id", environmentId);
        }
        return mvc.perform(request).andReturn();
    }
}
