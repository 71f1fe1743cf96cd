package dev.triggerapi.environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Secret keys, worker tokens and public access tokens never reach the log, not even at DEBUG/TRACE on the
 * loggers that see them (our own, Spring MVC's request handling, JDBC parameter binding, the JWT library), and
 * the database holds only their SHA-256 hashes.
 */
@IntegrationTest
class SecretsNeverLoggedTest {

    /** Loggers turned up for the test: everything that handles a request's credentials or the SQL using them. */
    private static final List<String> VERBOSE = List.of(Logger.ROOT_LOGGER_NAME, "dev.triggerapi",
            "org.springframework.web", "org.springframework.jdbc", "org.springframework.transaction",
            "org.springframework.data.redis", "com.nimbusds", "org.postgresql", "com.zaxxer.hikari");

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JdbcClient jdbc;

    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Map<String, Level> previousLevels = new LinkedHashMap<>();

    @BeforeEach
    void captureVerboseLogs() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        captured.setContext(context);
        captured.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(captured);
        for (String name : VERBOSE) {
            Logger logger = context.getLogger(name);
            previousLevels.put(name, logger.getLevel());
            logger.setLevel(Level.TRACE);
        }
    }

    @AfterEach
    void restoreLogs() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        previousLevels.forEach((name, level) -> context.getLogger(name).setLevel(level));
        context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(captured);
        captured.stop();
    }

    private MockHttpServletResponse send(MockHttpServletRequestBuilder request, String bearer) throws Exception {
        return mvc.perform(request.header("Authorization", "Bearer " + bearer).contentType(MediaType.APPLICATION_JSON))
                .andReturn().getResponse();
    }

    /** Every text a log event carries: message, arguments, MDC, and the whole throwable chain. */
    private List<String> loggedText() {
        List<ILoggingEvent> events;
        // Background threads (pools, Redis, replication) keep logging; AppenderBase appends under the appender's lock.
        synchronized (captured) {
            events = new ArrayList<>(captured.list);
        }
        List<String> texts = new ArrayList<>();
        for (ILoggingEvent event : events) {
            texts.add(event.getFormattedMessage());
            texts.add(String.valueOf(event.getMDCPropertyMap()));
            if (event.getArgumentArray() != null) {
                for (Object argument : event.getArgumentArray()) {
                    texts.add(String.valueOf(argument));
                }
            }
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                texts.add(t.getClassName() + ": " + t.getMessage());
                for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
                    texts.add(frame.getSTEAsString());
                }
            }
        }
        return texts;
    }

    @Test
    void noCredentialReachesTheLogOnSuccessfulOrFailedAuthentication() throws Exception {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        ProvisionedWorkerGroup group = TestData.workerGroup(provisioning);
        String almostTheKey = lastCharacterChanged(env.secretKey());
        String almostTheToken = lastCharacterChanged(group.token());

        MockHttpServletResponse triggered = send(post("/api/v1/tasks/logged-task/trigger").content("{}"), env.secretKey());
        assertThat(triggered.getStatus()).as(triggered.getContentAsString()).isEqualTo(200);
        String jwt = triggered.getHeader("x-trigger-jwt");
        String runId = com.jayway.jsonpath.JsonPath.read(triggered.getContentAsString(), "$.id");
        String[] jwtParts = jwt.split("\\.");
        String tamperedJwt = jwtParts[0] + "." + jwtParts[1] + "." + new StringBuilder(jwtParts[2]).reverse();

        // Successes, refusals, and credentials at the wrong door, each through the real filter chain.
        assertThat(send(get("/api/v3/runs/" + runId), env.secretKey()).getStatus()).isEqualTo(200);
        assertThat(send(get("/api/v3/runs/" + runId), almostTheKey).getStatus()).isEqualTo(401);
        assertThat(send(get("/api/v3/runs/" + runId), group.token()).getStatus()).isEqualTo(401);
        assertThat(send(get("/api/v3/runs/" + runId), jwt).getStatus()).isEqualTo(401);
        assertThat(send(post("/engine/v1/worker-actions/dequeue").content("{\"maxRuns\":1}")
                .header("x-trigger-worker-environment-id", "env_none"), group.token()).getStatus()).isEqualTo(200);
        assertThat(send(post("/engine/v1/worker-actions/dequeue").content("{}"), almostTheToken).getStatus())
                .isEqualTo(401);
        assertThat(send(post("/engine/v1/worker-actions/dequeue").content("{}"), env.secretKey()).getStatus())
                .isEqualTo(401);
        assertThat(send(get("/realtime/v1/runs/run_unknown").accept(MediaType.TEXT_EVENT_STREAM), jwt).getStatus())
                .isEqualTo(401);
        assertThat(send(get("/realtime/v1/runs/" + runId).accept(MediaType.TEXT_EVENT_STREAM), tamperedJwt).getStatus())
                .isEqualTo(401);
        assertThat(send(get("/realtime/v1/runs/run_unknown").accept(MediaType.TEXT_EVENT_STREAM), almostTheKey)
                .getStatus()).isEqualTo(401);
        assertThat(send(get("/realtime/v1/runs/run_unknown").accept(MediaType.TEXT_EVENT_STREAM), env.secretKey())
                .getStatus()).isEqualTo(404);

        // The capture works (DEBUG logging of these requests happened), so an empty match below means something.
        assertThat(captured.list).isNotEmpty();
        List<String> secrets = List.of(env.secretKey(), almostTheKey, group.token(), almostTheToken, jwtParts[2],
                tamperedJwt.substring(tamperedJwt.lastIndexOf('.') + 1),
                // The random part alone, in case a prefix was stripped before logging.
                env.secretKey().substring(env.secretKey().lastIndexOf('_') + 1),
                group.token().substring(group.token().lastIndexOf('_') + 1));
        List<String> logged = loggedText();
        for (String secret : secrets) {
            assertThat(logged).as("log lines containing a credential").noneMatch(text -> text != null && text.contains(secret));
        }
    }

    @Test
    void secretsAreStoredOnlyAsTheirHashesOrEncrypted() {
        ProvisionedEnvironment env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        ProvisionedWorkerGroup group = TestData.workerGroup(provisioning);

        Map<String, Object> keyRow = jdbc.sql("SELECT * FROM environment_secret_keys WHERE id = ?")
                .param(env.secretKeyId()).query().singleRow();
        Map<String, Object> tokenRow = jdbc.sql("SELECT * FROM worker_group_tokens WHERE id = ?").param(group.tokenId())
                .query().singleRow();

        assertThat(keyRow.get("key_hash")).isEqualTo(SecretHashing.sha256(env.secretKey()));
        assertThat(tokenRow.get("token_hash")).isEqualTo(SecretHashing.sha256(group.token()));
        String secretPart = env.secretKey().substring(env.secretKey().lastIndexOf('_') + 1);
        assertThat(keyRow.values()).noneMatch(v -> v instanceof String s && s.contains(secretPart));
        assertThat(keyRow.values()).noneMatch(v -> v instanceof byte[] b
                && new String(b, java.nio.charset.StandardCharsets.ISO_8859_1).contains(secretPart));
        assertThat(tokenRow.values()).noneMatch(v -> v instanceof String s && s.contains(group.token().substring(7)));
        // The hint is for humans and gives away four characters at most.
        assertThat((String) keyRow.get("key_hint")).endsWith(env.secretKey().substring(env.secretKey().length() - 4));
    }

    /** A credential one character off (never equal to the original, whatever its last character was). */
    private static String lastCharacterChanged(String credential) {
        char last = credential.charAt(credential.length() - 1);
        return credential.substring(0, credential.length() - 1) + (last == 'Z' ? 'Y' : 'Z');
    }
}
