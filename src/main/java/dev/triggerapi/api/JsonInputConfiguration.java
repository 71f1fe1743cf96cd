package dev.triggerapi.api;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadFeature;

/**
 * Hardens the application's {@code JsonMapper} (the one request bodies are read with). Size limits of JSON
 * input (nesting depth, string, number and name length) are Boot's {@code spring.jackson.factory.constraints.*},
 * mapped to {@code API_JSON_*} environment variables in {@code application.yml}; a document over any of them
 * is a 400 like other malformed JSON. Here: a key given twice in one object is refused rather than letting the
 * last one silently win, because two readers of the same body (a proxy, a logger, this service) could then
 * disagree about what it says.
 */
@Configuration(proxyBeanMethods = false)
class JsonInputConfiguration {

    @Bean
    JsonMapperBuilderCustomizer strictDuplicateKeys() {
        return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }
}
