package dev.triggerapi.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.jayway.jsonpath.JsonPath;
import dev.triggerapi.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * The OpenAPI description, fetched as a client would (no credential, through the filter chain), describes
 * every route of every controller of the application with its HTTP method, and the credential it needs.
 */
@IntegrationTest
class OpenApiDescriptionTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    private String description() throws Exception {
        return mvc.perform(get("/v3/api-docs")).andExpect(status().isOk()).andReturn().getResponse()
                .getContentAsString();
    }

    @Test
    void everyControllerRouteIsDescribedWithItsMethod() throws Exception {
        Map<String, Map<String, Object>> paths = JsonPath.read(description(), "$.paths");
        List<String> routes = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Map.Entry<RequestMappingInfo, HandlerMethod> mapping : mappings.getHandlerMethods().entrySet()) {
            if (!mapping.getValue().getBeanType().getPackageName().startsWith("dev.triggerapi")) {
                continue; // springdoc's own endpoints
            }
            Set<RequestMethod> methods = mapping.getKey().getMethodsCondition().getMethods();
            for (String pattern : mapping.getKey().getPatternValues()) {
                // OpenAPI has no regex path variables: {name:regex} is described as {name}.
                String path = pattern.replaceAll("\\{([^}:]+):[^}]*}", "{$1}");
                Map<String, Object> item = paths.get(path);
                if (methods.isEmpty()) {
                    routes.add("* " + path);
                    if (item == null || item.isEmpty()) {
                        missing.add("* " + path);
                    }
                }
                for (RequestMethod method : methods) {
                    routes.add(method + " " + path);
                    if (item == null || !item.containsKey(method.name().toLowerCase(Locale.ROOT))) {
                        missing.add(method + " " + path);
                    }
                }
            }
        }
        assertThat(routes).as("the application's routes").hasSizeGreaterThan(50)
                .contains("GET /api/v1/runs", "POST /api/v1/tasks/{taskId}/trigger", "GET /realtime/v1/runs/{runId}",
                        "POST /admin/v1/environments");
        assertThat(missing).as("routes missing from /v3/api-docs").isEmpty();
    }

    @Test
    void operationsNameTheCredentialTheirPathNeeds() throws Exception {
        String doc = description();
        assertThat(JsonPath.<Map<String, Object>>read(doc, "$.components.securitySchemes"))
                .containsOnlyKeys("secretKey", "publicAccessToken", "workerToken", "adminToken");
        assertThat(JsonPath.<List<Object>>read(doc, "$.paths['/api/v1/runs'].get.security[*].secretKey")).hasSize(1);
        assertThat(JsonPath.<List<Object>>read(doc, "$.paths['/realtime/v1/runs/{runId}'].get.security[*]"))
                .hasSize(2);
        assertThat(JsonPath.<List<Object>>read(doc, "$.paths['/engine/v1/worker-actions/dequeue'].post.security[*].workerToken"))
                .hasSize(1);
        assertThat(JsonPath.<List<Object>>read(doc, "$.paths['/admin/v1/environments'].post.security[*].adminToken"))
                .hasSize(1);
    }

    @Test
    void swaggerUiIsServedWithoutACredential() throws Exception {
        mvc.perform(get("/swagger-ui.html")).andExpect(status().is3xxRedirection());
        String page = mvc.perform(get("/swagger-ui/index.html")).andExpect(status().isOk()).andReturn().getResponse()
                .getContentAsString();
        assertThat(page).contains("swagger-ui");
    }
}
