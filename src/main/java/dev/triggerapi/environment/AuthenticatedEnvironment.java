package dev.triggerapi.environment;

/**
 * The runtime environment a request's secret key belongs to.
 *
 * @param id             environment id
 * @param slug           environment slug (e.g. {@code dev})
 * @param type           environment type
 * @param projectId      owning project id
 * @param projectRef     the project's external reference ({@code proj_...})
 * @param organizationId owning organization id
 */
public record AuthenticatedEnvironment(String id, String slug, EnvironmentType type, String projectId,
                                       String projectRef, String organizationId) {
}
