package dev.triggerapi.replication;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.triggerapi.redis.LuaScript;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Redis lock that makes one instance the streaming leader. It is keyed on the replication slot, so the old
 * and new instances of a rolling deploy contend for the same lock; the value is this instance's token, and
 * every change is a Lua script that checks the token, so no instance can extend or delete another's lock.
 *
 * <p>The lock is trusted only until {@code lastConfirmed + ttl}, with {@code lastConfirmed} taken before the
 * command was sent: after that another instance may hold it. PostgreSQL adds a second guard: a slot streams
 * to one connection at a time, so even a split brain cannot make two instances stream.
 *
 * <p>Redis unreachable: the leader does not stop at the first failed extension but keeps streaming only while it
 * can prove nobody else can hold the lock, i.e. until its last confirmed extension plus the TTL (the key cannot be
 * granted to another instance before it expires); it stands down one extension interval before that, and every
 * batch re-checks. A standby cannot take a lock Redis cannot grant, so during an outage longer than that window
 * nobody leads, and the first instance to reach Redis again takes over. That reasoning needs Redis to keep the key:
 * a Redis that restarts empty inside the window lets a standby in early; the old leader then learns it at its next
 * extension (at most one interval later), and meanwhile the slot fence above (the new leader terminates the old
 * walsender) keeps the stream single.
 */
final class ReplicationLeaderLock {

    private static final Logger log = LoggerFactory.getLogger(ReplicationLeaderLock.class);
    private static final RedisScript<Long> ACQUIRE =
            LuaScript.load("replication-leader-acquire.lua").redisScript(Long.class);
    private static final RedisScript<Long> EXTEND =
            LuaScript.load("replication-leader-extend.lua").redisScript(Long.class);
    private static final RedisScript<Long> RELEASE =
            LuaScript.load("replication-leader-release.lua").redisScript(Long.class);

    /** Outcome of an extension. */
    enum Extension {
        /** Still ours for another TTL. */
        HELD,
        /** Gone or taken by another instance. */
        LOST,
        /** Redis did not answer; the lock is ours until {@link #validUntil()} at most. */
        UNKNOWN
    }

    private final StringRedisTemplate redis;
    private final String key;
    private final String token;
    private final Duration ttl;
    private final Clock clock;
    private volatile Instant validUntil = Instant.MIN;

    ReplicationLeaderLock(StringRedisTemplate redis, String slotName, String token, Duration ttl, Clock clock) {
        this.redis = redis;
        this.key = "trigger-api:runs-replication:leader:" + slotName;
        this.token = token;
        this.ttl = ttl;
        this.clock = clock;
    }

    String key() {
        return key;
    }

    /** Takes the lock if it is free (or already ours). A Redis error counts as "not acquired". */
    boolean tryAcquire() {
        Instant sentAt = clock.instant();
        try {
            boolean held = Long.valueOf(1).equals(redis.execute(ACQUIRE, List.of(key), token, Long.toString(ttl.toMillis())));
            validUntil = held ? sentAt.plus(ttl) : Instant.MIN;
            return held;
        } catch (RuntimeException e) {
            log.warn("Cannot take the runs-replication leader lock {}: {}", key, e.getMessage());
            return false;
        }
    }

    /** Extends the lock if it is still ours. */
    Extension extend() {
        Instant sentAt = clock.instant();
        try {
            if (Long.valueOf(1).equals(redis.execute(EXTEND, List.of(key), token, Long.toString(ttl.toMillis())))) {
                validUntil = sentAt.plus(ttl);
                return Extension.HELD;
            }
            validUntil = Instant.MIN;
            return Extension.LOST;
        } catch (RuntimeException e) {
            log.warn("Cannot extend the runs-replication leader lock {}: {}", key, e.getMessage());
            return Extension.UNKNOWN;
        }
    }

    /** Deletes the lock if it is ours; errors are logged (the lock then expires on its own). */
    void release() {
        validUntil = Instant.MIN;
        try {
            redis.execute(RELEASE, List.of(key), token);
        } catch (RuntimeException e) {
            log.warn("Cannot release the runs-replication leader lock {} (it expires by itself): {}", key, e.getMessage());
        }
    }

    /** True while the lock is certainly ours: confirmed less than one TTL ago. */
    boolean isHeld() {
        return clock.instant().isBefore(validUntil);
    }

    /** Until when the lock is certainly ours ({@link Instant#MIN} when it is not). */
    Instant validUntil() {
        return validUntil;
    }
}
