package dev.triggerapi.run;

import java.time.Duration;
import java.util.Random;

import dev.triggerapi.concurrent.Backoff;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the lifecycle engine's pure policies (kept out of the container's type space on purpose). */
@Configuration(proxyBeanMethods = false)
class RunEngineConfiguration {

    /**
     * Retry backoff with equal jitter; {@link Random} is thread-safe and good enough for jitter. A base delay above
     * the maximum waits the maximum, as it always did, rather than failing startup.
     */
    @Bean
    Backoff retryBackoff(RunEngineProperties settings) {
        Duration max = settings.retryMaxDelay();
        Duration base = settings.retryBaseDelay().compareTo(max) > 0 ? max : settings.retryBaseDelay();
        return Backoff.exponential(base, max).withEqualJitter(new Random());
    }
}
