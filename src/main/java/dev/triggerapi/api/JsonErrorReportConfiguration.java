package dev.triggerapi.api;

import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Replaces the host's error report valve (Spring Boot installs Tomcat's HTML one) with {@link JsonErrorReportValve},
 * so requests Tomcat refuses before the application still get a JSON {@code {"error": ...}} body.
 */
@Configuration(proxyBeanMethods = false)
class JsonErrorReportConfiguration {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorReportValve() {
        // Runs after Boot's own customizer has added its context customizer, so Boot's valve is there to remove.
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost standardHost) {
                // Tomcat adds its default valve at start unless one of this class is in the pipeline.
                standardHost.setErrorReportValveClass(JsonErrorReportValve.class.getName());
            }
            var host = context.getParent().getPipeline();
            for (Valve valve : host.getValves()) {
                if (valve instanceof ErrorReportValve && !(valve instanceof JsonErrorReportValve)) {
                    host.removeValve(valve);
                }
            }
            host.addValve(new JsonErrorReportValve());
        });
    }
}
