package dev.triggerapi.run;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.triggerapi.snapshot.ExecutionStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Claims queued runs for a runner, highest priority and oldest first, without ever letting the runs
 * executing on a queue exceed its concurrency limit — with any number of instances and runners dequeuing at
 * once.
 *
 * <p><b>No double delivery.</b> Candidates are selected {@code FOR UPDATE SKIP LOCKED}: a run another
 * dequeuer is looking at is skipped, never waited for and never claimed twice (the claim changes its status
 * in the same transaction, so once committed it no longer matches {@code status = 'QUEUED'}).
 *
 * <p><b>The limit.</b> "Count the runs executing on the queue, then claim up to the limit" is a
 * check-then-act: two dequeuers in READ COMMITTED would both count {@code limit - 1} and both claim. So a
 * dequeuer first locks the queue's {@code task_queues} row ({@code FOR NO KEY UPDATE}, which does not block
 * foreign-key checks of concurrent triggers) and only then counts. Every transaction that can add to a
 * queue's executing set holds that lock until it commits, and each READ COMMITTED statement takes a fresh
 * snapshot, so the count taken under the lock includes every claim committed before it. The lock is taken
 * with {@code SKIP LOCKED}: a queue another dequeuer is filling right now is left to that dequeuer for this
 * call, so dequeuers never wait on each other and can never deadlock, whatever order they meet queues in.
 * Queues without a row or without a limit take no lock (a limit set on such a queue while a dequeue is
 * running applies from the next dequeue). Releasing a slot (complete, cancel, requeue) needs no lock: a
 * count that is momentarily too high only delays a claim until the next poll.
 *
 * <p>The limit is the queue's effective one: an operator's override, else the declared limit, and 0 while the
 * queue is paused (so a paused queue is never dequeued; its runs wait, queued, until it is resumed).
 *
 * <p>A full or busy queue is excluded and the search continues in further rounds, so one saturated queue at
 * the head of the order does not starve the others.
 */
@Component
class RunDequeuer {

    private static final int MAX_ROUNDS = 4;
    private static final String CANDIDATES = """
            SELECT %s FROM task_runs t
            WHERE t.status = 'QUEUED'
              AND (t.delay_until IS NULL OR t.delay_until <= :now)
              AND (t.expires_at IS NULL OR t.expires_at > :now)
              %s
              AND NOT EXISTS (
                  SELECT 1 FROM unnest(CAST(:closedEnvironments AS text[]), CAST(:closedQueues AS text[])) AS c(env, queue)
                  WHERE c.env = t.runtime_environment_id AND c.queue = t.queue)
            ORDER BY t.priority DESC, t.created_at, t.id
            LIMIT :fetch
            FOR UPDATE OF t SKIP LOCKED""";

    private static final String PREFIXED_COLUMNS = String.join(", ", Arrays.stream(LockedRun.COLUMNS.split(","))
            .map(column -> "t." + column.strip()).toList());

    private final JdbcClient jdbc;
    private final RunStateWriter writer;
    private final RunEngineProperties settings;

    RunDequeuer(JdbcClient jdbc, RunStateWriter writer, RunEngineProperties settings) {
        this.jdbc = jdbc;
        this.writer = writer;
        this.settings = settings;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    List<RunActionResult> dequeue(String workerGroupId, String environmentScope, int maxRuns, Instant now) {
        Set<QueueKey> closed = new LinkedHashSet<>();
        Set<QueueKey> unlimited = new HashSet<>();
        Map<QueueKey, Integer> slotsLeft = new HashMap<>();
        List<RunActionResult> claimed = new ArrayList<>();
        for (int round = 0; round < MAX_ROUNDS && claimed.size() < maxRuns; round++) {
            // Lock only as many candidates as could be claimed: a row lock is a write (tuple header + WAL).
            int fetch = maxRuns - claimed.size();
            List<LockedRun> candidates = candidates(environmentScope, closed, fetch, now);
            if (candidates.isEmpty()) {
                break;
            }
            Set<QueueKey> unknown = new LinkedHashSet<>();
            for (LockedRun run : candidates) {
                QueueKey key = QueueKey.of(run);
                if (!closed.contains(key) && !unlimited.contains(key) && !slotsLeft.containsKey(key)) {
                    unknown.add(key);
                }
            }
            lockLimitedQueues(unknown, closed, unlimited, slotsLeft);
            for (LockedRun run : candidates) {
                if (claimed.size() == maxRuns) {
                    break;
                }
                QueueKey key = QueueKey.of(run);
                if (closed.contains(key)) {
                    continue;
                }
                Integer left = slotsLeft.get(key);
                if (left != null) {
                    if (left == 0) {
                        closed.add(key);
                        continue;
                    }
                    slotsLeft.put(key, left - 1);
                }
                claimed.add(claim(run, workerGroupId, now));
            }
            slotsLeft.forEach((key, left) -> {
                if (left == 0) {
                    closed.add(key);
                }
            });
            if (candidates.size() < fetch) {
                break; // nothing more is queued (outside closed queues)
            }
        }
        return claimed;
    }

    private List<LockedRun> candidates(String environmentScope, Set<QueueKey> closed, int fetch, Instant now) {
        String sql = CANDIDATES.formatted(PREFIXED_COLUMNS, environmentScope == null ? "" : "AND t.runtime_environment_id = :env");
        JdbcClient.StatementSpec query = jdbc.sql(sql)
                .param("now", Timestamp.from(now))
                .param("closedEnvironments", closed.stream().map(QueueKey::environmentId).toArray(String[]::new))
                .param("closedQueues", closed.stream().map(QueueKey::queue).toArray(String[]::new))
                .param("fetch", fetch);
        if (environmentScope != null) {
            query = query.param("env", environmentScope);
        }
        return query.query(LockedRun::map).list();
    }

    /**
     * Sorts the candidates' queues into unlimited ones, busy ones (locked by another dequeuer: closed for
     * this call) and limited ones now locked by us, with the slots they have left.
     */
    private void lockLimitedQueues(Set<QueueKey> queues, Set<QueueKey> closed, Set<QueueKey> unlimited,
                                   Map<QueueKey, Integer> slotsLeft) {
        if (queues.isEmpty()) {
            return;
        }
        List<LimitedQueue> limited = jdbc.sql("""
                        SELECT q.id, q.runtime_environment_id, q.name
                        FROM task_queues q
                        JOIN unnest(CAST(:envs AS text[]), CAST(:names AS text[])) AS c(env, name)
                          ON q.runtime_environment_id = c.env AND q.name = c.name
                        WHERE q.effective_concurrency_limit IS NOT NULL
                        ORDER BY q.id""")
                .param("envs", queues.stream().map(QueueKey::environmentId).toArray(String[]::new))
                .param("names", queues.stream().map(QueueKey::queue).toArray(String[]::new))
                .query((rs, n) -> new LimitedQueue(rs.getString(1), new QueueKey(rs.getString(2), rs.getString(3))))
                .list();
        Set<QueueKey> limitedKeys = new HashSet<>();
        for (LimitedQueue queue : limited) {
            limitedKeys.add(queue.key());
            // Re-read the limit under the lock: it may have changed since the read above.
            Optional<LockedLimit> locked = jdbc.sql(
                            "SELECT effective_concurrency_limit FROM task_queues WHERE id = ? FOR NO KEY UPDATE SKIP LOCKED")
                    .param(queue.id()).query((rs, n) -> new LockedLimit((Integer) rs.getObject(1))).optional();
            if (locked.isEmpty()) {
                closed.add(queue.key()); // another dequeuer is filling it right now
                continue;
            }
            Integer limit = locked.get().limit();
            if (limit == null) {
                unlimited.add(queue.key());
                continue;
            }
            int executing = jdbc.sql("""
                            SELECT count(*) FROM task_runs
                            WHERE runtime_environment_id = ? AND queue = ? AND status IN ('DEQUEUED', 'EXECUTING')""")
                    .params(queue.key().environmentId(), queue.key().queue()).query(Integer.class).single();
            slotsLeft.put(queue.key(), Math.max(0, limit - executing));
        }
        for (QueueKey key : queues) {
            if (!limitedKeys.contains(key)) {
                unlimited.add(key);
            }
        }
    }

    private RunActionResult claim(LockedRun run, String workerGroupId, Instant now) {
        Instant lease = now.plus(settings.leaseDuration());
        RunStateWriter.Applied applied = writer.apply(run, Transition.of(run, RunStatus.DEQUEUED,
                        ExecutionStatus.PENDING_EXECUTING, "Dequeued by a runner; waiting for the attempt to start")
                .set("lease_expires_at", lease)
                .set("worker_group_id", workerGroupId));
        return new RunActionResult(WorkerRun.of(run, RunStatus.DEQUEUED, run.attemptNumber(),
                run.attemptsAllowed(settings.defaultMaxAttempts()), lease), applied.snapshot());
    }

    private record QueueKey(String environmentId, String queue) {
        static QueueKey of(LockedRun run) {
            return new QueueKey(run.environmentId(), run.queue());
        }
    }

    private record LimitedQueue(String id, QueueKey key) {
    }

    private record LockedLimit(Integer limit) {
    }
}
