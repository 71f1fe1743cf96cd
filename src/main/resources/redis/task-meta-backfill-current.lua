-- Back-fills one slug after a current-path miss, with compare-and-set on the environment hash's owner.
-- The resolver read on the writer that W is current and read the slug's metadata from W, then calls this. If a
-- promotion replaced the environment hash in between, its owner is no longer W and the entry must not go in.
-- KEYS[1]  environment hash
-- KEYS[2]  by-worker hash of W
-- ARGV[1]  slug   ARGV[2]  encoded metadata
-- ARGV[3]  owner field name   ARGV[4]  W (the worker the writer said is current)
-- ARGV[5]  environment hash safety TTL (seconds)   ARGV[6]  by-worker idle TTL (seconds)
-- ARGV[7]  the invalidation channel: a newly created environment hash is announced there (the one it replaces
--          expired or was dropped, and near caches may still hold its entries)
-- Returns 2 when this call created the environment hash (its owner still needs the writer's confirmation),
-- 1 when it added the slug to W's hash, 0 when the hash belongs to another worker.
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[6])

local owner = redis.call('HGET', KEYS[1], ARGV[3])
local result
if owner == false then
  redis.call('HSET', KEYS[1], ARGV[3], ARGV[4], ARGV[1], ARGV[2])
  redis.call('PUBLISH', ARGV[7], KEYS[1])
  result = 2
elseif owner == ARGV[4] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  result = 1
else
  return 0
end
-- The safety TTL bounds how long a view can be stale; a back-fill must never push it out.
if redis.call('TTL', KEYS[1]) == -1 then
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
return result
