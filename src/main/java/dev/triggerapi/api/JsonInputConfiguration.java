package dev.triggerapi.api;

import org.springframework.boot.jackson.autoconfigure.JsonFactoryBuilderCustomizer;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Hardens the application's {@code JsonMapper} (the one request bodies are read with). Size limits of JSON
 * input (nesting depth, string, number and name length) are Boot's {@code spring.jackson.factory.constraints.*},
 * mapped to {@code API_JSON_*} environment variables in {@code application.yml}; a document over any of them
 * is a 400 like other malformed JSON. Here, three rules that keep what is stored equal to what was sent:
 * <ul>
 *   <li>a key given twice in one object is refused rather than letting the last one silently win, because two
 *       readers of the same body (a proxy, a logger, this service) could then disagree about what it says;</li>
 *   <li>text that is not well-formed Unicode is refused ({@link StrictUnicodeInput}): PostgreSQL would store
 *       {@code ?} for a lone surrogate, so distinct idempotency keys, tags or payloads would collide;</li>
 *   <li>an integer field takes only a JSON integer: {@code 1.5} is not truncated to 1 and {@code "0"} is not
 *       read as 0 (a client that sends either has a bug the service should not paper over).</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class JsonInputConfiguration {

    @Bean
    JsonMapperBuilderCustomizer strictDuplicateKeys() {
        return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }

    @Bean
    JsonFactoryBuilderCustomizer strictUnicode() {
        return builder -> builder.inputDecorator(new StrictUnicodeInput());
    }

    @Bean
    JsonMapperBuilderCustomizer integersAreIntegers() {
        return builder -> builder.withCoercionConfig(LogicalType.Integer, config -> config
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail));
    }

    /** Records built from JSON properties are constructed through a cached spreader ({@link SpreadingCreatorInvokers}). */
    @Bean
    JacksonModule spreadingCreatorInvokers() {
        return new SimpleModule("spreading-creator-invokers") {
            @Override
            public void setupModule(SetupContext context) {
                super.setupModule(context);
                context.addValueInstantiators(new SpreadingCreatorInvokers());
            }
        };
    }
}
