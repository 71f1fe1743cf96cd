package dev.triggerapi.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.HttpMediaTypeException;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * {@link DirectJsonBody} answers every request as {@code @RequestBody} and a {@code ResponseEntity} body do: the same
 * status, the same JSON body (for errors, through the same {@code ApiExceptionHandler}). Two endpoints, identical but
 * for how they read and write JSON, get the same requests side by side.
 */
class DirectJsonBodyTest {

    record Body(JsonNode payload, Integer count, String name) {
    }

    record Answer(String name, int count) {
    }

    @RestController
    static class Endpoints {
        private final DirectJsonBody json;

        Endpoints(DirectJsonBody json) {
            this.json = json;
        }

        @PostMapping("/mvc")
        org.springframework.http.ResponseEntity<Answer> mvc(@RequestBody Body body) {
            return org.springframework.http.ResponseEntity.ok(answer(body));
        }

        @PostMapping("/direct")
        void direct(HttpServletRequest request, HttpServletResponse response) throws IOException, HttpMediaTypeException {
            json.requireJsonAccepted(request);
            json.write(response, answer(json.read(request, Body.class)));
        }

        private static Answer answer(Body body) {
            return new Answer(body.name() == null ? "none" : body.name(), body.count() == null ? 0 : body.count());
        }
    }

    private final JsonMapper mapper = JsonMapper.builder().build();
    private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new Endpoints(new DirectJsonBody(mapper)))
            .setControllerAdvice(new ApiExceptionHandler())
            .setMessageConverters(new JacksonJsonHttpMessageConverter(mapper))
            .build();

    /** name → content type (null: none), body (null: none), extra headers. */
    private record Case(String name, String contentType, String body, Map<String, String> headers) {
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        String json = "application/json";
        cases.add(new Case("valid", json, "{\"name\":\"a\",\"count\":2,\"payload\":{\"x\":[1,2]}}", Map.of()));
        cases.add(new Case("valid, charset utf-8", "application/json;charset=UTF-8", "{\"name\":\"b\"}", Map.of()));
        cases.add(new Case("valid, +json subtype", "application/vnd.trigger+json", "{\"name\":\"c\"}", Map.of()));
        cases.add(new Case("valid, upper-case type", "Application/JSON", "{}", Map.of()));
        cases.add(new Case("empty body", json, "", Map.of()));
        cases.add(new Case("JSON null", json, "null", Map.of()));
        cases.add(new Case("truncated", json, "{\"name\":", Map.of()));
        cases.add(new Case("trailing tokens", json, "{} {}", Map.of()));
        cases.add(new Case("array", json, "[1]", Map.of()));
        cases.add(new Case("string", json, "\"x\"", Map.of()));
        cases.add(new Case("wrong type", json, "{\"count\":\"many\"}", Map.of()));
        cases.add(new Case("wrong type, object", json, "{\"name\":{\"a\":1}}", Map.of()));
        cases.add(new Case("no content type, body", null, "{}", Map.of()));
        cases.add(new Case("no content type, no body", null, null, Map.of()));
        cases.add(new Case("text/plain", "text/plain", "{}", Map.of()));
        cases.add(new Case("text/plain, empty", "text/plain", "", Map.of()));
        cases.add(new Case("form", "application/x-www-form-urlencoded", "a=b", Map.of()));
        cases.add(new Case("accept xml", json, "{}", Map.of("Accept", "application/xml")));
        cases.add(new Case("accept json among others", json, "{}",
                Map.of("Accept", "text/html, application/json;q=0.9")));
        cases.add(new Case("accept application/*", json, "{}", Map.of("Accept", "application/*")));
        cases.add(new Case("accept */*", json, "{}", Map.of("Accept", "*/*")));
        cases.add(new Case("accept text/jsonx", json, "{}", Map.of("Accept", "text/jsonx")));
        cases.add(new Case("accept problem+json", json, "{}", Map.of("Accept", "application/problem+json")));
        cases.add(new Case("accept unparseable", json, "{}", Map.of("Accept", "application/")));
        return cases;
    }

    @TestFactory
    List<DynamicTest> bothEndpointsAnswerAlike() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            MockHttpServletResponse viaMvc = perform("/mvc", c);
            MockHttpServletResponse direct = perform("/direct", c);
            assertThat(direct.getStatus()).as("status").isEqualTo(viaMvc.getStatus());
            assertThat(mapper.readTree(direct.getContentAsString(StandardCharsets.UTF_8))).as("body")
                    .isEqualTo(mapper.readTree(viaMvc.getContentAsString(StandardCharsets.UTF_8)));
        })).toList();
    }

    @Test
    void theCasesCoverSuccessAndEachRefusal() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (Case c : cases()) {
            statuses.add(perform("/direct", c).getStatus());
        }
        assertThat(statuses).contains(200, 400, 406, 415);
    }

    @Test
    void theAnswerCarriesItsLengthAndIsJson() throws Exception {
        MockHttpServletResponse response =
                perform("/direct", new Case("valid", "application/json", "{\"name\":\"é\"}", Map.of()));
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentType()).isEqualTo("application/json");
        byte[] bytes = response.getContentAsByteArray();
        assertThat(response.getContentLength()).isEqualTo(bytes.length);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"é\",\"count\":0}");
    }

    private MockHttpServletResponse perform(String path, Case c) throws Exception {
        MockHttpServletRequestBuilder request = post(path);
        if (c.contentType() != null) {
            request.header("Content-Type", c.contentType());
        }
        if (c.body() != null) {
            request.content(c.body().getBytes(StandardCharsets.UTF_8));
        }
        c.headers().forEach(request::header);
        return mvc.perform(request).andReturn().getResponse();
    }
}
