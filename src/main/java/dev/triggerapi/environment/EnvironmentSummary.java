package dev.triggerapi.environment;

/**
 * An environment as provisioning lists it.
 *
 * @param id               environment id
 * @param slug             environment slug ({@code dev}, {@code stg}, {@code prod})
 * @param type             environment type
 * @param organizationSlug owning organization
 * @param projectSlug      owning project
 * @param projectRef       the project's external reference ({@code proj_...})
 */
record EnvironmentSummary(String id, String slug, EnvironmentType type, String organizationSlug,
                                 String projectSlug, String projectRef) {
}
