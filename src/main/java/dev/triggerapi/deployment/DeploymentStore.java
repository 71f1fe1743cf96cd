package dev.triggerapi.deployment;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.taskmeta.TaskMetadata;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * Writer-side persistence of worker versions, their queues and tasks, deployments and promotions.
 *
 * <p>Every write first takes a transaction-scoped advisory lock per environment, so registrations and
 * promotions of one environment are serialised: "newest worker" in DEVELOPMENT follows lock order, and the
 * cache generation drawn under the lock orders the after-commit cache writes the same way the commits are
 * ordered.
 */
@Repository
class DeploymentStore {

    private final JdbcClient jdbc;
    private final BackgroundWorkerRepository workers;
    private final BackgroundWorkerTaskRepository tasks;
    private final WorkerDeploymentRepository deployments;
    private final WorkerDeploymentPromotionRepository promotions;
    private final WorkerTaskLookup lookup;
    private final DeclarativeSchedules schedules;
    private final Clock clock;

    DeploymentStore(JdbcClient jdbc, BackgroundWorkerRepository workers, BackgroundWorkerTaskRepository tasks,
                    WorkerDeploymentRepository deployments, WorkerDeploymentPromotionRepository promotions,
                    WorkerTaskLookup lookup, DeclarativeSchedules schedules, Clock clock) {
        this.jdbc = jdbc;
        this.workers = workers;
        this.tasks = tasks;
        this.deployments = deployments;
        this.promotions = promotions;
        this.lookup = lookup;
        this.schedules = schedules;
        this.clock = clock;
    }

    /**
     * @param workerId   internal worker id (cache key)
     * @param friendlyId public worker id
     * @param created    false when the identical version already existed
     * @param current    whether the worker is the environment's current worker
     * @param generation cache generation for a current-view write (DEVELOPMENT), 0 otherwise
     * @param tasks      the worker's task metadata by slug
     * @param queueIds   the worker's queues, queue id by name
     */
    record Registration(String workerId, String friendlyId, boolean created, boolean current, long generation,
                        Map<String, TaskMetadata> tasks, Map<String, String> queueIds) {
    }

    /**
     * @param workerId   internal id of the promoted worker
     * @param friendlyId its public id
     * @param generation cache generation of this change
     * @param tasks      its task metadata by slug
     * @param queueIds   its queues, queue id by name
     */
    record Promotion(String workerId, String friendlyId, long generation, Map<String, TaskMetadata> tasks,
                     Map<String, String> queueIds) {
    }

    @Transactional
    Registration register(AuthenticatedEnvironment env, String version, List<DeclaredTask> tasks) {
        lockEnvironment(env.id());
        Optional<BackgroundWorker> existing = workers.findByEnvironmentIdAndVersion(env.id(), version);
        if (existing.isPresent()) {
            return replay(env, version, existing.get().getId(), existing.get().friendlyId(), tasks);
        }

        // Flushed at once: the bulk inserts below reference the row through JDBC, outside Hibernate's flush order.
        BackgroundWorker worker = workers.saveAndFlush(new BackgroundWorker(Ids.newId(), env.id(), version));
        String workerId = worker.getId();
        String friendlyId = worker.friendlyId();
        Map<String, String> queueIds = upsertQueues(env.id(), tasks);
        // SQL is the point: one statement per registration however many queues and tasks it declares (unnest).
        jdbc.sql("""
                        INSERT INTO background_worker_queues (worker_id, queue_id)
                        SELECT ?, q FROM unnest(?::text[]) AS q""")
                .params(workerId, queueIds.values().stream().distinct().toArray(String[]::new)).update();
        jdbc.sql("""
                        INSERT INTO background_worker_tasks (id, worker_id, runtime_environment_id, slug, ttl, trigger_source, queue_id,
                            schedule_cron, schedule_timezone, schedule_environments)
                        SELECT id, ?, ?, slug, ttl, source, queue, cron, tz, envs
                        FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                            AS t(id, slug, ttl, source, queue, cron, tz, envs)""")
                .params(workerId, env.id(),
                        tasks.stream().map(t -> Ids.newId()).toArray(String[]::new),
                        tasks.stream().map(DeclaredTask::slug).toArray(String[]::new),
                        tasks.stream().map(DeclaredTask::ttl).toArray(String[]::new),
                        tasks.stream().map(DeclaredTask::triggerSource).toArray(String[]::new),
                        tasks.stream().map(t -> queueIds.get(t.queueName())).toArray(String[]::new),
                        tasks.stream().map(t -> t.schedule() == null ? null : t.schedule().cron()).toArray(String[]::new),
                        tasks.stream().map(t -> t.schedule() == null ? null : t.schedule().timezone())
                                .toArray(String[]::new),
                        tasks.stream().map(t -> t.schedule() == null || t.schedule().environments() == null ? null
                                : String.join(",", t.schedule().environments())).toArray(String[]::new))
                .update();
        boolean development = env.type() == EnvironmentType.DEVELOPMENT;
        if (!development) {
            deployments.save(new WorkerDeployment(Ids.newId(), env.id(), worker, version));
        }
        if (development) {
            // The new worker is current: its declared schedules replace the environment's, in this transaction.
            schedules.replace(env.id(), env.type(), tasks.stream().map(DeclaredTask::schedule)
                    .filter(Objects::nonNull).toList());
        }
        Map<String, TaskMetadata> metadata = new LinkedHashMap<>();
        for (DeclaredTask task : tasks) {
            metadata.put(task.slug(), new TaskMetadata(task.ttl(), task.triggerSource(), queueIds.get(task.queueName()),
                    task.queueName()));
        }
        // In DEVELOPMENT the worker just inserted under the lock is the newest, hence current.
        return new Registration(workerId, friendlyId, true, development, development ? nextGeneration() : 0, metadata,
                queueIds);
    }

    private Registration replay(AuthenticatedEnvironment env, String version, String workerId, String friendlyId,
                                List<DeclaredTask> declared) {
        Map<String, TaskMetadata> stored = tasksOf(workerId);
        boolean sameSchedules = Set.copyOf(declaredSchedulesOf(workerId)).equals(declaredSchedules(declared));
        if (!sameTasks(stored, declared) || !sameSchedules) {
            throw ApiException.conflict("Version '" + version + "' is already registered with different tasks; "
                    + "register the change as a new version.");
        }
        boolean current = workerId.equals(currentWorkerId(env).orElse(null));
        boolean development = env.type() == EnvironmentType.DEVELOPMENT;
        return new Registration(workerId, friendlyId, false, current, current && development ? nextGeneration() : 0,
                stored, lookup.workerQueues(env.id(), workerId));
    }

    private static boolean sameTasks(Map<String, TaskMetadata> stored, List<DeclaredTask> declared) {
        if (stored.size() != declared.size()) {
            return false;
        }
        for (DeclaredTask task : declared) {
            TaskMetadata existing = stored.get(task.slug());
            if (existing == null || !Objects.equals(existing.ttl(), task.ttl())
                    || !existing.triggerSource().equals(task.triggerSource())
                    || !Objects.equals(existing.queueName(), task.queueName())) {
                return false;
            }
        }
        return true;
    }

    @Transactional
    Promotion promote(AuthenticatedEnvironment env, String version) {
        lockEnvironment(env.id());
        WorkerDeployment deployment = deployments.findWithWorker(env.id(), version).orElseThrow(() ->
                ApiException.notFound("No deployment with version '" + version + "' in this environment."));
        String workerId = deployment.worker().getId();
        // Read-then-write is safe: the environment's deployment lock is held.
        WorkerDeploymentPromotion promotion = promotions.findById(env.id())
                .orElseGet(() -> new WorkerDeploymentPromotion(env.id()));
        promotion.promote(deployment, clock.instant());
        promotions.save(promotion);
        // Declarative schedules follow the promoted version, committed with the promotion.
        schedules.replace(env.id(), env.type(), declaredSchedulesOf(workerId));
        return new Promotion(workerId, deployment.worker().friendlyId(), nextGeneration(), tasksOf(workerId),
                lookup.workerQueues(env.id(), workerId));
    }

    /** Creates missing queues and applies the declared limits; returns queue id by name. */
    private Map<String, String> upsertQueues(String environmentId, List<DeclaredTask> tasks) {
        Map<String, Integer> limits = new LinkedHashMap<>();
        tasks.forEach(t -> limits.put(t.queueName(), t.concurrencyLimit()));
        List<String> names = new ArrayList<>(limits.keySet());
        names.sort(Comparator.naturalOrder()); // a stable order keeps concurrent upserts of shared queues deadlock-free
        // SQL is the point: one idempotent upsert (ON CONFLICT ... RETURNING) for all the declared queues.
        return jdbc.sql("""
                        INSERT INTO task_queues (id, runtime_environment_id, name, concurrency_limit)
                        SELECT id, ?, name, lim FROM unnest(?::text[], ?::text[], ?::int[]) AS q(id, name, lim)
                        ON CONFLICT (runtime_environment_id, name) DO UPDATE SET concurrency_limit = EXCLUDED.concurrency_limit
                        RETURNING id, name""")
                .params(environmentId,
                        names.stream().map(n -> Ids.newId()).toArray(String[]::new),
                        names.toArray(String[]::new),
                        names.stream().map(limits::get).toArray(Integer[]::new))
                .query((rs, n) -> Map.entry(rs.getString("name"), rs.getString("id"))).stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private Map<String, TaskMetadata> tasksOf(String workerId) {
        Map<String, TaskMetadata> bySlug = new LinkedHashMap<>();
        tasks.findAllOnWorker(workerId).forEach(task -> bySlug.put(task.slug(), task.metadata()));
        return bySlug;
    }

    private List<DeclaredSchedule> declaredSchedulesOf(String workerId) {
        return tasks.findByWorkerIdAndScheduleCronIsNotNullOrderBySlug(workerId).stream()
                .map(BackgroundWorkerTask::declaredSchedule).toList();
    }

    private static Set<DeclaredSchedule> declaredSchedules(List<DeclaredTask> tasks) {
        return tasks.stream().map(DeclaredTask::schedule).filter(Objects::nonNull).collect(Collectors.toSet());
    }

    private Optional<String> currentWorkerId(AuthenticatedEnvironment env) {
        return lookup.currentWorkerId(env.id(), env.type());
    }

    private void lockEnvironment(String environmentId) {
        // SQL is the point: a transaction-scoped advisory lock, there being no row to lock for "the environment's workers".
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('trigger-api:deployments:' || ?, 0))")
                .param(environmentId).query((rs, n) -> 1).single();
    }

    private long nextGeneration() {
        // A sequence has no repository.
        return jdbc.sql("SELECT nextval('task_meta_generation')").query(Long.class).single();
    }
}
