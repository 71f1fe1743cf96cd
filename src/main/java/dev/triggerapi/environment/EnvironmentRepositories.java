package dev.triggerapi.environment;

/** The feature's repositories, handed together to the services that use several of them. */
record EnvironmentRepositories(OrganizationRepository organizations, ProjectRepository projects,
                               RuntimeEnvironmentRepository environments, EnvironmentSecretKeyRepository secretKeys,
                               WorkerGroupRepository workerGroups, WorkerGroupTokenRepository workerTokens) {
}
