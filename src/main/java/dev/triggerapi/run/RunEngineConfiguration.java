package dev.triggerapi.run;

import java.util.Random;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the lifecycle engine's pure policies (kept out of the container's type space on purpose). */
@Configuration(proxyBeanMethods = false)
class RunEngineConfiguration {

    /** Retry backoff with jitter; {@link Random} is thread-safe and good enough for jitter. */
    @Bean
    RetryBackoff retryBackoff(RunEngineProperties settings) {
        return new RetryBackoff(settings.retryBaseDelay(), settings.retryMaxDelay(), new Random());
    }
}
