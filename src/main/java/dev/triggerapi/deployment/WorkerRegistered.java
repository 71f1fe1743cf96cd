package dev.triggerapi.deployment;

/**
 * Response of a registration.
 *
 * @param id                the worker's public id ({@code worker_...})
 * @param version           its version
 * @param isCurrent         whether triggers without {@code lockToVersion} now use it
 * @param alreadyRegistered true when the same version with the same tasks was registered before (idempotent)
 * @param taskCount         how many tasks it declares
 */
record WorkerRegistered(String id, String version, boolean isCurrent, boolean alreadyRegistered,
                               int taskCount) {
}
