package dev.triggerapi.runlist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.List;

import com.jayway.jsonpath.JsonPath;
import dev.triggerapi.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

/** The runs list's OpenAPI description lists exactly the parameters the parser accepts, no more, no fewer. */
@IntegrationTest
class RunsListDescriptionTest {

    @Autowired
    MockMvc mvc;

    @Test
    void describedParametersAreExactlyTheAcceptedOnes() throws Exception {
        String doc = mvc.perform(get("/v3/api-docs")).andExpect(status().isOk()).andReturn().getResponse()
                .getContentAsString();
        List<String> documented = JsonPath.read(doc, "$.paths['/api/v1/runs'].get.parameters[*].name");
        assertThat(documented).containsExactlyInAnyOrderElementsOf(RunListQueryParser.SUPPORTED);
    }
}
