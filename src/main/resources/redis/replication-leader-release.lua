-- Releases the runs-replication leader lock only if this instance holds it (never another instance's lock).
-- KEYS[1] lock key, ARGV[1] this instance's token. Returns 1 when released, 0 otherwise.
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
