package dev.triggerapi.api;

import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Lets {@code %2F} through Tomcat. The official SDK URL-encodes task ids, so a task id containing a slash
 * arrives as {@code %2F}, which Tomcat rejects with 400 by default. Passing it through undecoded is safe:
 * Spring MVC matches routes on the raw path segments and decodes only the captured variable, so an encoded
 * slash can never create a new path segment or reach another route.
 */
@Configuration(proxyBeanMethods = false)
class EncodedSlashConfiguration {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSlashPassThrough() {
        return factory -> factory.addConnectorCustomizers(
                connector -> connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue()));
    }
}
