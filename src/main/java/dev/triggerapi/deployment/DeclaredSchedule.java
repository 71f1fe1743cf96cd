package dev.triggerapi.deployment;

import java.util.List;

/**
 * The cron schedule a task of a worker version declares.
 *
 * @param task         the task's slug
 * @param cron         5-field Unix cron expression
 * @param timezone     IANA timezone (UTC when absent)
 * @param environments environment types it applies to ({@code PRODUCTION}, ...); null = every environment
 */
public record DeclaredSchedule(String task, String cron, String timezone, List<String> environments) {
}
