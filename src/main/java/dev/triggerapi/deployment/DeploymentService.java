package dev.triggerapi.deployment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.duration.Durations;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.taskmeta.TaskMetadataCache;
import dev.triggerapi.taskmeta.WorkerVersion;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * Registers worker versions and promotes deployments, then brings the task-metadata cache in line.
 *
 * <p>The database is the truth and is written first, in one writer transaction; the cache is written after
 * commit and may fail (it fails open), which only costs later triggers a database read. In DEVELOPMENT the
 * newest registered worker is current, so registration replaces the environment's cached view; elsewhere
 * registration only fills the new version's by-worker hash and promotion switches the current view.
 *
 * <p>Re-registering a version is idempotent when the tasks are the same (slug, ttl, trigger source, queue
 * name, declared schedule) and a 409 otherwise: a version names one immutable set of tasks, and silently changing what a
 * version-locked run executes would be worse than refusing.
 */
@Service
public class DeploymentService {

    private final DeploymentStore store;
    private final TaskMetadataCache cache;
    private final DeclarativeSchedules schedules;

    DeploymentService(DeploymentStore store, TaskMetadataCache cache, DeclarativeSchedules schedules) {
        this.store = store;
        this.cache = cache;
        this.schedules = schedules;
    }

    /** Registers {@code registration} in {@code environment}; see the class comment for re-registration. */
    public WorkerRegistered register(AuthenticatedEnvironment environment, WorkerRegistration registration) {
        List<DeclaredTask> tasks = declared(registration, schedules);
        DeploymentStore.Registration stored = store.register(environment, registration.version(), tasks);
        WorkerVersion cached = new WorkerVersion(environment.id(), registration.version(), stored.workerId(),
                stored.tasks(), stored.queueIds());
        if (stored.current() && environment.type() == EnvironmentType.DEVELOPMENT) {
            cache.replaceCurrent(cached, stored.generation());
        } else {
            cache.replaceWorker(cached);
        }
        return new WorkerRegistered(stored.friendlyId(), registration.version(), stored.current(), !stored.created(),
                tasks.size());
    }

    /** Makes {@code version} the current deployment (a rollback is a promotion of an older version). */
    public PromotedDeployment promote(AuthenticatedEnvironment environment, String version) {
        if (environment.type() == EnvironmentType.DEVELOPMENT) {
            throw ApiException.unprocessable(
                    "DEVELOPMENT environments have no promotion step: the newest registered worker is current.");
        }
        DeploymentStore.Promotion promotion = store.promote(environment, version);
        cache.replaceCurrent(new WorkerVersion(environment.id(), version, promotion.workerId(), promotion.tasks(),
                promotion.queueIds()), promotion.generation());
        return new PromotedDeployment(version, promotion.friendlyId());
    }

    private static List<DeclaredTask> declared(WorkerRegistration registration, DeclarativeSchedules schedules) {
        List<DeclaredTask> tasks = new ArrayList<>(registration.tasks().size());
        Set<String> slugs = new HashSet<>();
        Map<String, Integer> queueLimits = new HashMap<>();
        for (int i = 0; i < registration.tasks().size(); i++) {
            WorkerRegistration.TaskDeclaration task = registration.tasks().get(i);
            String at = "tasks[" + i + "]";
            if (TaskMetadataCache.isReservedSlug(task.slug())) {
                throw ApiException.badRequest(at + ".slug: task ids must not start with '"
                        + TaskMetadataCache.RESERVED_FIELD_PREFIX + "'");
            }
            if (!slugs.add(task.slug())) {
                throw ApiException.badRequest(at + ".slug: '" + task.slug() + "' is declared more than once");
            }
            String queueName = QueueNames.sanitize(task.queue() == null ? null : task.queue().name(), task.slug());
            Integer limit = task.queue() == null ? null : task.queue().concurrencyLimit();
            if (queueLimits.containsKey(queueName) && !Objects.equals(queueLimits.get(queueName), limit)) {
                throw ApiException.badRequest(at + ".queue: queue '" + queueName
                        + "' is declared with different concurrency limits");
            }
            queueLimits.put(queueName, limit);
            TriggerSource source = task.triggerSource() == null ? TriggerSource.STANDARD : task.triggerSource();
            DeclaredSchedule schedule = schedule(task, at, schedules);
            if (schedule != null) {
                source = TriggerSource.SCHEDULED;
            }
            tasks.add(new DeclaredTask(task.slug(), ttl(task.ttl(), at), source.name(), queueName, limit, schedule));
        }
        return tasks;
    }

    private static DeclaredSchedule schedule(WorkerRegistration.TaskDeclaration task, String at,
                                             DeclarativeSchedules schedules) {
        WorkerRegistration.ScheduleDeclaration declared = task.schedule();
        if (declared == null) {
            return null;
        }
        try {
            schedules.check(declared.cron(), declared.timezone());
        } catch (ApiException e) {
            throw new ApiException(e.status(), at + ".schedule: " + e.getMessage());
        }
        List<String> environments = declared.environments() == null || declared.environments().isEmpty() ? null
                : declared.environments().stream().map(Enum::name).distinct().sorted().toList();
        return new DeclaredSchedule(task.slug(), declared.cron().trim(),
                declared.timezone() == null || declared.timezone().isBlank() ? "UTC" : declared.timezone(),
                environments);
    }

    private static String ttl(JsonNode ttl, String at) {
        if (ttl == null || ttl.isNull()) {
            return null;
        }
        if (ttl.isIntegralNumber() && ttl.canConvertToLong() && Durations.isValidSeconds(ttl.asLong())) {
            return Long.toString(ttl.asLong());
        }
        if (ttl.isString() && Durations.parse(ttl.asString()).isPresent()) {
            return ttl.asString();
        }
        throw ApiException.badRequest(at + ".ttl: expected a duration like 10m or 1h30m, or a number of seconds");
    }
}
