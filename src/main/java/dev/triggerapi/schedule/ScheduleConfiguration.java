package dev.triggerapi.schedule;

import java.time.Clock;

import dev.triggerapi.deployment.WorkerTaskLookup;
import dev.triggerapi.run.RunCreator;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/** The scheduler, its metrics and its health detail. */
@Configuration(proxyBeanMethods = false)
class ScheduleConfiguration {

    @Bean
    ScheduleMetrics scheduleMetrics(MeterRegistry registry) {
        return new ScheduleMetrics(registry);
    }

    @Bean
    ScheduleFirer scheduleFirer(JdbcClient jdbc, PlatformTransactionManager transactionManager, RunCreator runs,
                                WorkerTaskLookup workers, JsonMapper json, ScheduleMetrics metrics, Clock clock) {
        return new ScheduleFirer(jdbc, transactionManager, runs, workers, json, metrics, clock);
    }

    @Bean
    ScheduleTicker scheduleTicker(ScheduleFirer firer, ScheduleProperties settings) {
        return new ScheduleTicker(firer, settings);
    }

    @Bean
    ScheduleHealthIndicator schedulesHealthIndicator(JdbcClient jdbc, ScheduleProperties settings, Clock clock) {
        return new ScheduleHealthIndicator(jdbc, settings, clock);
    }
}
