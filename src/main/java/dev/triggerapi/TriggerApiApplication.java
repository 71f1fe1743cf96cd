package dev.triggerapi;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the trigger-api service. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TriggerApiApplication {

    public static void main(String[] args) {
        SpringApplication.run(TriggerApiApplication.class, args);
    }
}
