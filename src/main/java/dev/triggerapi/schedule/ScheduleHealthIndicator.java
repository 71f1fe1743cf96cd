package dev.triggerapi.schedule;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.triggerapi.api.ApiException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Health detail {@code schedules}: how many active schedules are overdue by more than one of their own intervals
 * (a schedule every minute that is two minutes late; a daily one a day late), which means no instance is
 * scheduling or the scheduler cannot keep up. Reported as a detail, status UP: the API still serves.
 */
class ScheduleHealthIndicator implements HealthIndicator {

    /** Only the most overdue are examined: enough to say "some are" without scanning a large backlog. */
    private static final int SAMPLE = 1000;

    // SQL is the point: one aggregate over the overdue schedules, no rows loaded.
    private final JdbcClient jdbc;
    private final ScheduleProperties settings;
    private final Clock clock;

    ScheduleHealthIndicator(JdbcClient jdbc, ScheduleProperties settings, Clock clock) {
        this.jdbc = jdbc;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public Health health() {
        Instant now = clock.instant();
        List<Object[]> candidates = jdbc.sql("""
                        SELECT cron, timezone, next_run_at FROM task_schedules
                        WHERE active AND next_run_at < ? ORDER BY next_run_at LIMIT ?""")
                .params(Timestamp.from(now.minus(settings.tickInterval())), SAMPLE)
                .query((rs, n) -> new Object[] {rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()})
                .list();
        int overdue = 0;
        Duration worst = Duration.ZERO;
        for (Object[] row : candidates) {
            Instant due = (Instant) row[2];
            Optional<Instant> following;
            try {
                following = CronSchedule.parse((String) row[0], (String) row[1]).nextAfter(due);
            } catch (ApiException e) {
                continue;
            }
            if (following.isPresent() && following.get().isBefore(now)) {
                overdue++;
                Duration late = Duration.between(due, now);
                worst = late.compareTo(worst) > 0 ? late : worst;
            }
        }
        return Health.up()
                .withDetail("overdue", overdue)
                .withDetail("mostOverdueSeconds", worst.toSeconds())
                .withDetail("schedulerEnabled", settings.schedulerEnabled())
                .build();
    }
}
