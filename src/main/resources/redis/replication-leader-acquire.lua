-- Takes the runs-replication leader lock, or renews it when this instance already holds it.
-- KEYS[1] lock key, ARGV[1] this instance's token, ARGV[2] TTL in ms.
-- Returns 1 when this instance holds the lock afterwards, 0 when another instance does.
local current = redis.call('GET', KEYS[1])
if current == false then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
if current == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
return 0
