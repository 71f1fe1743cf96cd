package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.FilterChain;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/** The guard itself, including the streamed (chunked) case MockMvc cannot produce. */
class RequestSizeFilterTest {

    private final RequestSizeFilter filter = new RequestSizeFilter(
            new RequestSizeProperties(DataSize.ofBytes(100), DataSize.ofBytes(10)),
            new JsonErrorWriter(JsonMapper.builder().build()));

    /** A request without Content-Length, as with {@code Transfer-Encoding: chunked}. */
    private static MockHttpServletRequest chunked(String uri, int bytes) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", uri) {
            @Override
            public long getContentLengthLong() {
                return -1;
            }

            @Override
            public int getContentLength() {
                return -1;
            }
        };
        request.setContent(new byte[bytes]);
        return request;
    }

    private static FilterChain readingWholeBody(AtomicBoolean reached) {
        return (req, res) -> {
            reached.set(true);
            req.getInputStream().readAllBytes();
        };
    }

    @Test
    void declaredLengthOverTheLimitIsA413WithoutCallingTheApplication() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/tasks/t/trigger");
        request.setContent(new byte[101]);
        MockHttpServletResponse response = new MockHttpServletResponse();
        AtomicBoolean reached = new AtomicBoolean();

        filter.doFilter(request, response, readingWholeBody(reached));

        assertThat(reached).isFalse();
        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(response.getContentAsString()).isEqualTo("{\"error\":\"Request body exceeds the limit of 100 bytes\"}");
    }

    @Test
    void aStreamedBodyFailsAsSoonAsItPassesTheLimit() {
        AtomicBoolean reached = new AtomicBoolean();
        assertThatThrownBy(() -> filter.doFilter(chunked("/api/v1/tasks/t/trigger", 101), new MockHttpServletResponse(),
                readingWholeBody(reached)))
                .isInstanceOf(PayloadTooLargeException.class);
        assertThat(reached).isTrue();
    }

    @Test
    void aStreamedBodyWithinTheLimitPasses() throws Exception {
        AtomicBoolean reached = new AtomicBoolean();
        filter.doFilter(chunked("/api/v1/tasks/batch", 100), new MockHttpServletResponse(), readingWholeBody(reached));
        assertThat(reached).isTrue();
    }

    @Test
    void otherEndpointsHaveTheSmallerDefaultLimit() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/deployments");
        request.setContent(new byte[11]);
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(request, response, readingWholeBody(new AtomicBoolean()));

        assertThat(response.getStatus()).isEqualTo(413);
        assertThatThrownBy(() -> filter.doFilter(chunked("/engine/v1/x", 11), new MockHttpServletResponse(),
                readingWholeBody(new AtomicBoolean())))
                .isInstanceOf(PayloadTooLargeException.class);
    }
}
