package dev.triggerapi.api;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's host-level error page, as JSON. It answers only what never reached the application: a request Tomcat
 * refused while parsing it (a request head over {@code server.max-http-request-header-size}, bytes that are not
 * HTTP), and nothing else, because every error raised inside the application has already written its own
 * {@code {"error": ...}} body. Without it those answers were Tomcat's HTML page, the one place a client mistake did
 * not get the API's error shape. Never includes the exception: only the status's reason phrase.
 */
public class JsonErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        HttpStatus known = HttpStatus.resolve(status);
        String message = known == null ? "Request refused" : known.getReasonPhrase();
        try {
            response.setContentType("application/json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write("{\"error\":\"" + message + "\"}");
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client is gone or the response is already committed: nothing more to tell it.
        }
    }
}
