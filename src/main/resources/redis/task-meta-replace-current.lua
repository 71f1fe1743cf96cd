-- Makes a worker the environment's current worker in the cache, atomically: replaces its by-worker hash and
-- the environment hash (owner stamped, every other slug dropped, even when the task list is empty), and
-- records the version -> worker mapping. Used by promotion and by DEVELOPMENT registration, after commit.
-- KEYS[1]  environment hash
-- KEYS[2]  by-worker hash
-- KEYS[3]  the environment's versions hash (version -> worker id)
-- ARGV[1]  environment hash TTL (seconds)
-- ARGV[2]  by-worker and versions hash TTL (seconds)
-- ARGV[3]  owner field name       ARGV[4]  owner worker id
-- ARGV[5]  generation field name  ARGV[6]  generation of this change
-- ARGV[7]  version
-- ARGV[8]  queue-set field name   ARGV[9]  the worker's queue set (encoded)
-- ARGV[10] the invalidation channel: the environment hash's key is published there when it is replaced, in this
--          same atomic script, so every instance's near cache drops its copy (NearTaskMetadataCache)
-- ARGV[11..] slug, encoded metadata, ...
-- Returns 1 when the environment hash was replaced, 0 when a newer generation already owns it.
local first = 11
local n = #ARGV
local chunk = 500
local function put_tasks(key)
  for i = first, n, 2 * chunk do
    local last = math.min(i + 2 * chunk - 1, n)
    redis.call('HSET', key, unpack(ARGV, i, last))
  end
end

redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], ARGV[8], ARGV[9])
put_tasks(KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[7], ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[2])

-- Cache writes happen after commit, so two changes can reach Redis out of order: never go backwards.
local stored = tonumber(redis.call('HGET', KEYS[1], ARGV[5]))
if stored and stored > tonumber(ARGV[6]) then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
put_tasks(KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[10], KEYS[1])
return 1
