package dev.triggerapi.environment;

import dev.triggerapi.environment.WorkerTokenAuthenticator.AuthenticatedWorkerGroup;
import jakarta.servlet.http.HttpServletRequest;

/** Request attributes the authentication filter sets for controllers. */
public final class Authenticated {

    static final String ENVIRONMENT = Authenticated.class.getName() + ".environment";
    static final String WORKER_GROUP = Authenticated.class.getName() + ".workerGroup";
    /** Set by {@code x-trigger-worker-environment-id} on runner requests. */
    static final String WORKER_ENVIRONMENT_SCOPE = Authenticated.class.getName() + ".workerEnvironmentScope";

    private Authenticated() {
    }

    public static AuthenticatedEnvironment environment(HttpServletRequest request) {
        return (AuthenticatedEnvironment) request.getAttribute(ENVIRONMENT);
    }

    public static AuthenticatedWorkerGroup workerGroup(HttpServletRequest request) {
        return (AuthenticatedWorkerGroup) request.getAttribute(WORKER_GROUP);
    }

    /** The environment id a runner narrowed its request to, or {@code null}. */
    public static String workerEnvironmentScope(HttpServletRequest request) {
        return (String) request.getAttribute(WORKER_ENVIRONMENT_SCOPE);
    }
}
