package dev.triggerapi.deployment;

import java.util.List;

import dev.triggerapi.environment.EnvironmentType;

/**
 * What deployment needs from the scheduler (implemented in {@code schedule}, which depends on this package, so
 * the dependency stays one-way).
 */
public interface DeclarativeSchedules {

    /**
     * Checks a declared schedule at registration.
     *
     * @throws dev.triggerapi.api.ApiException 422 for an invalid cron expression or timezone
     */
    void check(String cron, String timezone);

    /**
     * Makes {@code declared} the environment's declarative schedules, inside the caller's transaction (the one
     * that makes the worker current): schedules of tasks no longer declared, or not for this environment type,
     * are deleted; changed ones are rescheduled; unchanged ones keep their next instant.
     */
    void replace(String environmentId, EnvironmentType type, List<DeclaredSchedule> declared);
}
