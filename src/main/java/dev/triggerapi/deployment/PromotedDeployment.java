package dev.triggerapi.deployment;

/**
 * Response of a promotion or rollback.
 *
 * @param version  the version that is now current
 * @param workerId its worker's public id
 */
record PromotedDeployment(String version, String workerId) {
}
