package dev.triggerapi.deployment;

/** A validated, normalised task declaration (what the store writes and what re-registration compares). */
record DeclaredTask(String slug, String ttl, String triggerSource, String queueName, Integer concurrencyLimit) {
}
