package dev.triggerapi.environment;

import java.util.List;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.WorkerTokenAuthenticator.AuthenticatedWorkerGroup;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Lets controllers declare {@link AuthenticatedEnvironment} or {@link AuthenticatedWorkerGroup} parameters. */
@Configuration(proxyBeanMethods = false)
class AuthenticatedArgumentResolver implements WebMvcConfigurer, HandlerMethodArgumentResolver {

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(this);
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        Class<?> type = parameter.getParameterType();
        return type == AuthenticatedEnvironment.class || type == AuthenticatedWorkerGroup.class;
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav, NativeWebRequest webRequest,
                                  WebDataBinderFactory binderFactory) {
        HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
        Object value = parameter.getParameterType() == AuthenticatedEnvironment.class
                ? Authenticated.environment(request) : Authenticated.workerGroup(request);
        if (value == null) {
            throw new ApiException(HttpStatus.UNAUTHORIZED, "Invalid or missing credentials");
        }
        return value;
    }
}
