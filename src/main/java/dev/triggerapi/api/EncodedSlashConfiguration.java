package dev.triggerapi.api;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The official SDK {@code encodeURIComponent}s task ids and packet paths, so slashes arrive as {@code %2F}.
 * Tomcat rejects those by default; passing them through keeps {@code %2F} inside one path segment, which
 * Spring matches as a single {@code {variable}} and decodes.
 */
@Configuration(proxyBeanMethods = false)
class EncodedSlashConfiguration {

    @Bean
    TomcatConnectorCustomizer encodedSlashPassThrough() {
        return connector -> connector.setEncodedSolidusHandling("passthrough");
    }
}
