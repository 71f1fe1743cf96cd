package dev.triggerapi.run;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
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
 * Claims queued runs for a runner in queue order, without ever letting the runs executing in a concurrency
 * partition exceed its limit — with any number of instances and runners dequeuing at once.
 *
 * <p><b>Order.</b> Priority is a head start in seconds, as in the reference service (kept in milliseconds,
 * {@code priority_ms}, so fractional seconds count): runs are taken by {@code queue_order_at} = the moment the run
 * became due (trigger time, or the end of its delay) minus its head start, so a priority-10 run overtakes runs
 * queued up to 10 s before it and no more, and a priority-0.5 run those queued up to 500 ms before it. The column is written
 * when that moment is known (creation, reschedule, debounce push) and read through the partial index
 * {@code task_runs_dequeue_order} (or its per-environment twin), so each candidate query is an index scan.
 *
 * <p><b>Partitions.</b> A queue's concurrency limit applies per concurrency key: the runs of one queue with one
 * {@code concurrencyKey} form a partition that gets the whole limit on its own (the SDK's "a copy of the queue
 * for every unique value of the key"), and the runs without a key form one more partition. A queue without a
 * limit has unlimited partitions.
 *
 * <p><b>No double delivery.</b> Candidates are selected {@code FOR UPDATE SKIP LOCKED}: a run another
 * dequeuer is looking at is skipped, never waited for and never claimed twice (the claim changes its status
 * in the same transaction, so once committed it no longer matches {@code status = 'QUEUED'}).
 *
 * <p><b>The limit.</b> "Count the runs executing in the partition, then claim up to the limit" is a
 * check-then-act: two dequeuers in READ COMMITTED would both count {@code limit - 1} and both claim. So a
 * dequeuer first takes the partition's lock and only then counts. Every transaction that can add to a
 * partition's executing set holds that lock until it commits, and each READ COMMITTED statement takes a fresh
 * snapshot, so the count taken under the lock includes every claim committed before it. The lock of the
 * key-less partition is the queue's {@code task_queues} row ({@code FOR NO KEY UPDATE}, which does not block
 * foreign-key checks of concurrent triggers; the limit is re-read under it). A keyed partition has no row, so
 * its lock is a transaction-scoped advisory lock on a hash of (environment, queue, key); two partitions whose
 * hashes collide merely share a lock, which can make one dequeuer skip the other partition for a call, never
 * over-claim. Every lock is taken with try-semantics ({@code SKIP LOCKED}, {@code pg_try_advisory_xact_lock}):
 * a partition another dequeuer is filling right now is left to that dequeuer for this call, so dequeuers never
 * wait on each other and can never deadlock, whatever order they meet partitions in. Queues without a row or
 * without a limit take no lock (a limit set on such a queue while a dequeue is running applies from the next
 * dequeue). Releasing a slot (complete, cancel, requeue) needs no lock: a count that is momentarily too high
 * only delays a claim until the next poll.
 *
 * <p>The limit is the queue's effective one: an operator's override, else the declared limit, and 0 while the
 * queue is paused (so a paused queue is never dequeued; its runs wait, queued, until it is resumed).
 *
 * <p><b>Fairness.</b> A full or busy partition is excluded from the candidate query for the rest of the call
 * and the search continues in further rounds, so one saturated key (or queue) at the head of the order does not
 * starve the keys behind it: every round either claims a run or closes at least one more partition.
 */
@Component
class RunDequeuer {

    private static final int MAX_ROUNDS = 8;
    private static final String CANDIDATES = """
            SELECT %s FROM task_runs t
            WHERE t.status = 'QUEUED'
              AND (t.delay_until IS NULL OR t.delay_until <= :now)
              AND (t.expires_at IS NULL OR t.expires_at > :now)
              %s
              AND NOT EXISTS (
                  SELECT 1 FROM unnest(CAST(:closedEnvironments AS text[]), CAST(:closedQueues AS text[])) AS c(env, queue)
                  WHERE c.env = t.runtime_environment_id AND c.queue = t.queue)
              AND NOT EXISTS (
                  SELECT 1 FROM unnest(CAST(:fullEnvironments AS text[]), CAST(:fullQueues AS text[]),
                                       CAST(:fullKeys AS text[])) AS f(env, queue, ckey)
                  WHERE f.env = t.runtime_environment_id AND f.queue = t.queue
                    AND f.ckey IS NOT DISTINCT FROM t.concurrency_key)
            ORDER BY t.queue_order_at, t.id
            LIMIT :fetch
            FOR UPDATE OF t SKIP LOCKED""";

    private static final String PREFIXED_COLUMNS = String.join(", ", Arrays.stream(LockedRun.COLUMNS.split(","))
            .map(column -> "t." + column.strip()).toList());

    // SQL is the point: SKIP LOCKED candidates, queue-row/advisory try-locks, counts per partition.
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
        Search search = new Search();
        List<RunActionResult> claimed = new ArrayList<>();
        for (int round = 0; round < MAX_ROUNDS && claimed.size() < maxRuns; round++) {
            // Lock only as many candidates as could be claimed: a row lock is a write (tuple header + WAL).
            int fetch = maxRuns - claimed.size();
            List<LockedRun> candidates = candidates(environmentScope, search, fetch, now);
            if (candidates.isEmpty()) {
                break;
            }
            Set<QueueKey> unknownQueues = new LinkedHashSet<>();
            Set<Partition> unknownPartitions = new LinkedHashSet<>();
            for (LockedRun run : candidates) {
                Partition partition = Partition.of(run);
                if (!search.queueLimits.containsKey(partition.queue())) {
                    unknownQueues.add(partition.queue());
                }
                if (!search.knows(partition)) {
                    unknownPartitions.add(partition);
                }
            }
            readLimits(unknownQueues, search);
            lockPartitions(unknownPartitions, search);
            for (LockedRun run : candidates) {
                if (claimed.size() == maxRuns) {
                    break;
                }
                Partition partition = Partition.of(run);
                if (search.isClosed(partition)) {
                    continue;
                }
                Integer left = search.slotsLeft.get(partition);
                if (left != null) {
                    if (left == 0) {
                        search.full.add(partition);
                        continue;
                    }
                    search.slotsLeft.put(partition, left - 1);
                }
                claimed.add(claim(run, workerGroupId, now));
            }
            search.slotsLeft.forEach((partition, left) -> {
                if (left == 0) {
                    search.full.add(partition);
                }
            });
            if (candidates.size() < fetch) {
                break; // nothing more is queued (outside closed partitions)
            }
        }
        return claimed;
    }

    /** The candidate query, for any environment or (with {@code :env}) for one; visible for its plan test. */
    static String candidateSql(boolean environmentScoped) {
        return CANDIDATES.formatted(PREFIXED_COLUMNS, environmentScoped ? "AND t.runtime_environment_id = :env" : "");
    }

    private List<LockedRun> candidates(String environmentScope, Search search, int fetch, Instant now) {
        String sql = candidateSql(environmentScope != null);
        JdbcClient.StatementSpec query = jdbc.sql(sql)
                .param("now", Timestamp.from(now))
                .param("closedEnvironments", search.closedQueues.stream().map(QueueKey::environmentId).toArray(String[]::new))
                .param("closedQueues", search.closedQueues.stream().map(QueueKey::queue).toArray(String[]::new))
                .param("fullEnvironments", search.full.stream().map(p -> p.queue().environmentId()).toArray(String[]::new))
                .param("fullQueues", search.full.stream().map(p -> p.queue().queue()).toArray(String[]::new))
                .param("fullKeys", search.full.stream().map(Partition::concurrencyKey).toArray(String[]::new))
                .param("fetch", fetch);
        if (environmentScope != null) {
            query = query.param("env", environmentScope);
        }
        return query.query(LockedRun::map).list();
    }

    /**
     * Reads the effective limits of the candidates' queues (without a lock: the key-less partition re-reads its
     * limit under its lock). A queue without a row or a limit is unlimited; a limit of 0 (paused, or overridden to
     * 0) closes the whole queue at once instead of one partition at a time.
     */
    private void readLimits(Set<QueueKey> queues, Search search) {
        if (queues.isEmpty()) {
            return;
        }
        jdbc.sql("""
                        SELECT q.id, q.runtime_environment_id, q.name, q.effective_concurrency_limit
                        FROM task_queues q
                        JOIN unnest(CAST(:envs AS text[]), CAST(:names AS text[])) AS c(env, name)
                          ON q.runtime_environment_id = c.env AND q.name = c.name
                        WHERE q.effective_concurrency_limit IS NOT NULL""")
                .param("envs", queues.stream().map(QueueKey::environmentId).toArray(String[]::new))
                .param("names", queues.stream().map(QueueKey::queue).toArray(String[]::new))
                .query((rs, n) -> new LimitedQueue(rs.getString(1), new QueueKey(rs.getString(2), rs.getString(3)),
                        rs.getInt(4)))
                .list()
                .forEach(queue -> {
                    search.queueLimits.put(queue.key(), Optional.of(queue));
                    if (queue.limit() == 0) {
                        search.closedQueues.add(queue.key());
                    }
                });
        for (QueueKey queue : queues) {
            search.queueLimits.putIfAbsent(queue, Optional.empty());
        }
    }

    /**
     * Takes the lock of each partition of a limited queue and counts its executing runs under it; a partition
     * whose lock another dequeuer holds is closed for this call.
     */
    private void lockPartitions(Set<Partition> partitions, Search search) {
        // Key-less partitions in queue-id order, then keyed ones (try-locks never wait, so order is cosmetic).
        List<Partition> ordered = new ArrayList<>(partitions);
        ordered.sort(Comparator.comparing((Partition p) -> p.concurrencyKey() != null));
        for (Partition partition : ordered) {
            if (search.closedQueues.contains(partition.queue())) {
                continue;
            }
            Optional<LimitedQueue> queue = search.queueLimits.getOrDefault(partition.queue(), Optional.empty());
            if (queue.isEmpty()) {
                search.unlimited.add(partition);
                continue;
            }
            Integer limit = partition.concurrencyKey() == null
                    ? lockQueueRow(queue.get())
                    : lockKeyedPartition(partition) ? Integer.valueOf(queue.get().limit()) : null;
            if (limit == null) {
                search.full.add(partition); // another dequeuer is filling it right now
                continue;
            }
            int executing = jdbc.sql("""
                            SELECT count(*) FROM task_runs
                            WHERE runtime_environment_id = ? AND queue = ? AND concurrency_key IS NOT DISTINCT FROM ?
                              AND status IN ('DEQUEUED', 'EXECUTING')""")
                    .params(partition.queue().environmentId(), partition.queue().queue(), partition.concurrencyKey())
                    .query(Integer.class).single();
            search.slotsLeft.put(partition, Math.max(0, limit - executing));
        }
    }

    /** The key-less partition's lock; re-reads the limit under it (it may have changed since). Null when busy. */
    private Integer lockQueueRow(LimitedQueue queue) {
        Optional<LockedLimit> locked = jdbc.sql(
                        "SELECT effective_concurrency_limit FROM task_queues WHERE id = ? FOR NO KEY UPDATE SKIP LOCKED")
                .param(queue.id()).query((rs, n) -> new LockedLimit((Integer) rs.getObject(1))).optional();
        if (locked.isEmpty()) {
            return null;
        }
        // A limit removed meanwhile: no lock needed, any number may run (count 0 against "no limit").
        return locked.get().limit() == null ? Integer.MAX_VALUE : locked.get().limit();
    }

    private boolean lockKeyedPartition(Partition partition) {
        return Boolean.TRUE.equals(jdbc.sql("""
                        SELECT pg_try_advisory_xact_lock(hashtextextended(
                            'trigger-api:concurrency-key:' || ? || chr(31) || ? || chr(31) || ?, 0))""")
                .params(partition.queue().environmentId(), partition.queue().queue(), partition.concurrencyKey())
                .query(Boolean.class).single());
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

    /** What one dequeue call has learnt about the queues and partitions it met. */
    private static final class Search {
        /** Per queue: its row and effective limit, or empty when it has none (unlimited). */
        final Map<QueueKey, Optional<LimitedQueue>> queueLimits = new HashMap<>();
        /** Queues whose every partition is closed (limit 0). */
        final Set<QueueKey> closedQueues = new LinkedHashSet<>();
        /** Partitions excluded from further candidate queries: full, or locked by another dequeuer. */
        final Set<Partition> full = new LinkedHashSet<>();
        final Set<Partition> unlimited = new HashSet<>();
        /** Limited partitions locked by this call, with the slots they have left. */
        final Map<Partition, Integer> slotsLeft = new HashMap<>();

        boolean knows(Partition partition) {
            return full.contains(partition) || unlimited.contains(partition) || slotsLeft.containsKey(partition)
                    || closedQueues.contains(partition.queue());
        }

        boolean isClosed(Partition partition) {
            return full.contains(partition) || closedQueues.contains(partition.queue());
        }
    }

    private record QueueKey(String environmentId, String queue) {
    }

    /** A queue's runs with one concurrency key (or without one: {@code concurrencyKey} null). */
    private record Partition(QueueKey queue, String concurrencyKey) {
        static Partition of(LockedRun run) {
            return new Partition(new QueueKey(run.environmentId(), run.queue()), run.concurrencyKey());
        }
    }

    private record LimitedQueue(String id, QueueKey key, int limit) {
    }

    private record LockedLimit(Integer limit) {
    }
}
