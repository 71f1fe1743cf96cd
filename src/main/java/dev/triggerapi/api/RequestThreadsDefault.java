package dev.triggerapi.api;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The default number of Tomcat request threads, sized to the CPUs this JVM may use: {@value #PER_CORE} per core,
 * at least {@value #MINIMUM} ({@code server.tomcat.threads.max} in {@code application.yml} falls back to it when
 * {@code SERVER_MAX_THREADS} is not set).
 *
 * <p>Request work is short and mostly CPU (SSE streams and snapshot polls are asynchronous and hold no thread), so
 * more runnable threads than that only divide the process's CPU share among more of them. Measured on 2 cores
 * (BENCHMARKS.md, issue 13, fifth pass): with 32 request threads the runs-replication stream inside the same
 * process stayed a minute behind under the load test; with 12 it kept pace (lag p99 per minute at most 1.2 s at
 * 335 triggers/s, at most 3 s at 434/s).
 * {@link Runtime#availableProcessors()} honours a container's CPU limit.
 */
public class RequestThreadsDefault implements EnvironmentPostProcessor {

    /** The property {@code application.yml} reads when {@code SERVER_MAX_THREADS} is not set. */
    static final String PROPERTY = "trigger-api.server.default-max-threads";
    static final int PER_CORE = 6;
    static final int MINIMUM = 8;

    static int forCores(int cores) {
        return Math.max(MINIMUM, PER_CORE * cores);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        // Last: it is a default, anything an operator sets anywhere comes first.
        environment.getPropertySources().addLast(new MapPropertySource("trigger-api-request-threads-default",
                Map.of(PROPERTY, forCores(Runtime.getRuntime().availableProcessors()))));
    }
}
