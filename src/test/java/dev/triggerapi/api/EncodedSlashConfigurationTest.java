package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServer;

/**
 * Real Tomcat (MockMvc bypasses the connector): with the customizer an encoded slash reaches the application,
 * without it Tomcat answers 400 itself.
 */
class EncodedSlashConfigurationTest {

    private static int statusOf(boolean customized) throws Exception {
        TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory(0);
        factory.setAddress(java.net.InetAddress.getLoopbackAddress());
        if (customized) {
            new EncodedSlashConfiguration().encodedSlashPassThrough().customize(factory);
        }
        WebServer server = factory.getWebServer(context -> context.addServlet("echo", new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response) throws java.io.IOException {
                response.getWriter().write(request.getRequestURI());
            }
        }).addMapping("/"));
        server.start();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.getPort() + "/api/v1/tasks/folder%2Ftask/trigger"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            if (customized) {
                assertThat(response.body()).isEqualTo("/api/v1/tasks/folder%2Ftask/trigger");
            }
            return response.statusCode();
        } finally {
            server.stop();
        }
    }

    @Test
    void encodedSlashesInTaskIdsReachTheApplication() throws Exception {
        assertThat(statusOf(true)).isEqualTo(200);
    }

    @Test
    void tomcatWouldRejectThemWithoutTheCustomizer() throws Exception {
        assertThat(statusOf(false)).isEqualTo(400);
    }
}
