package dev.triggerapi.deployment;

/**
 * A validated, normalised task declaration (what the store writes and what re-registration compares).
 * {@code schedule} is the cron schedule it declares, or null.
 */
record DeclaredTask(String slug, String ttl, String triggerSource, String queueName, Integer concurrencyLimit,
                    DeclaredSchedule schedule) {
}
