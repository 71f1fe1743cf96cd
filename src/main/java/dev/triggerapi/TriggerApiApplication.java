package dev.triggerapi;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/** Entry point of the trigger-api service. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TriggerApiApplication {

    /** The one source of time; tests replace it to control the clock without sleeping. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    public static void main(String[] args) {
        SpringApplication.run(TriggerApiApplication.class, args);
    }
}
