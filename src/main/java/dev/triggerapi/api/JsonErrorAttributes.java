package dev.triggerapi.api;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.web.error.ErrorAttributeOptions;
import org.springframework.boot.webmvc.error.DefaultErrorAttributes;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.WebRequest;

/**
 * Errors raised outside Spring MVC (container-level rejections rendered by Boot's {@code /error}) also get
 * the {@code {"error": "..."}} shape, with the reason phrase only: no exception, trace or path details.
 */
@Component
class JsonErrorAttributes extends DefaultErrorAttributes {

    @Override
    public Map<String, Object> getErrorAttributes(WebRequest webRequest, ErrorAttributeOptions options) {
        Map<String, Object> defaults = super.getErrorAttributes(webRequest, ErrorAttributeOptions.defaults());
        Map<String, Object> body = new LinkedHashMap<>();
        Object status = defaults.get("status");
        Object reason = defaults.get("error");
        body.put("error", reason != null ? reason : "Error " + status);
        return body;
    }
}
