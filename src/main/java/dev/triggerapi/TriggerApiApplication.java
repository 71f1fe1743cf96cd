package dev.triggerapi;

import java.time.Clock;
import java.util.Arrays;
import java.util.Map;

import dev.triggerapi.environment.ProvisionCommand;
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

    /** Starts the service, or with {@code provision ...} runs one provisioning command and exits. */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("provision")) {
            System.exit(ProvisionCommand.run(TriggerApiApplication.class, Arrays.copyOfRange(args, 1, args.length),
                    Map.of(), System.out, System.err));
        }
        SpringApplication.run(TriggerApiApplication.class, args);
    }
}
