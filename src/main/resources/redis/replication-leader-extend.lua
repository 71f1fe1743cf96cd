-- Extends the runs-replication leader lock only if this instance still holds it.
-- KEYS[1] lock key, ARGV[1] this instance's token, ARGV[2] new TTL in ms.
-- Returns 1 when extended, 0 when the lock is gone or held by someone else.
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
