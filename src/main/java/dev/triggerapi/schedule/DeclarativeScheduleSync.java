package dev.triggerapi.schedule;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.triggerapi.deployment.DeclarativeSchedules;
import dev.triggerapi.deployment.DeclaredSchedule;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.ids.Ids;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Keeps an environment's declarative schedules equal to what its current worker version declares. Runs inside
 * the deployment's transaction (registration in DEVELOPMENT, promotion elsewhere), which also holds the
 * environment's deployment lock, so two promotions cannot interleave their replacements.
 */
@Component
class DeclarativeScheduleSync implements DeclarativeSchedules {

    private final TaskScheduleRepository schedules;
    private final Clock clock;

    DeclarativeScheduleSync(TaskScheduleRepository schedules, Clock clock) {
        this.schedules = schedules;
        this.clock = clock;
    }

    @Override
    public void check(String cron, String timezone) {
        CronSchedule.parse(cron, timezone);
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public void replace(String environmentId, EnvironmentType type, List<DeclaredSchedule> declared) {
        Instant now = clock.instant();
        Map<String, DeclaredSchedule> wanted = new HashMap<>();
        for (DeclaredSchedule schedule : declared) {
            if (schedule.environments() == null || schedule.environments().contains(type.name())) {
                wanted.put(schedule.task(), schedule);
            }
        }
        for (TaskSchedule existing : schedules.findByEnvironmentIdAndType(environmentId,
                TaskSchedule.Type.DECLARATIVE.name())) {
            DeclaredSchedule want = wanted.remove(existing.taskIdentifier());
            if (want == null) {
                schedules.delete(existing);
            } else if (!want.cron().equals(existing.cron()) || !want.timezone().equals(existing.timezone())) {
                existing.reschedule(existing.taskIdentifier(), CronSchedule.parse(want.cron(), want.timezone()),
                        null, now);
            }
            // Unchanged: keep its next instant, so a redeploy neither skips nor repeats one.
        }
        for (DeclaredSchedule schedule : wanted.values()) {
            schedules.save(TaskSchedule.declarative(Ids.newId(), environmentId, schedule.task(),
                    CronSchedule.parse(schedule.cron(), schedule.timezone()), now));
        }
        schedules.flush();
    }
}
