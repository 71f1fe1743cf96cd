package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import dev.triggerapi.support.ServerIntegrationTest;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The request-thread default: sized to the cores, applied to the running Tomcat, and only a default (an operator's
 * {@code SERVER_MAX_THREADS} wins).
 */
@ServerIntegrationTest
class RequestThreadsDefaultTest {

    private static final String YAML_VALUE = "${SERVER_MAX_THREADS:${" + RequestThreadsDefault.PROPERTY + "}}";

    @Autowired
    WebServerApplicationContext context;

    @Test
    void sixThreadsPerCoreAndNeverFewerThanEight() {
        assertThat(RequestThreadsDefault.forCores(1)).isEqualTo(8);
        assertThat(RequestThreadsDefault.forCores(2)).isEqualTo(12);
        assertThat(RequestThreadsDefault.forCores(8)).isEqualTo(48);
    }

    @Test
    void theRunningTomcatHasTheDefaultForThisMachinesCores() {
        String operatorSetting = System.getenv("SERVER_MAX_THREADS"); // a developer's shell may set it
        TomcatWebServer server = (TomcatWebServer) context.getWebServer();
        ThreadPoolExecutor executor = (ThreadPoolExecutor) server.getTomcat().getConnector().getProtocolHandler().getExecutor();
        assertThat(executor.getMaximumPoolSize()).isEqualTo(operatorSetting != null ? Integer.parseInt(operatorSetting)
                : RequestThreadsDefault.forCores(Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void serverMaxThreadsStillWins() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().addFirst(new MapPropertySource("yaml", Map.of("server.tomcat.threads.max", YAML_VALUE)));
        new RequestThreadsDefault().postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("server.tomcat.threads.max"))
                .isEqualTo(String.valueOf(RequestThreadsDefault.forCores(Runtime.getRuntime().availableProcessors())));

        environment.getPropertySources().addFirst(new MapPropertySource("env", Map.of("SERVER_MAX_THREADS", "5")));
        assertThat(environment.getProperty("server.tomcat.threads.max")).isEqualTo("5");
    }
}
