-- Replaces one worker version's by-worker hash in a single atomic step (readers never see it half written) and
-- records the version -> worker mapping of its environment. Used when a worker version is registered outside
-- DEVELOPMENT: only the version's own keys change, the environment's current view does not.
-- KEYS[1]  by-worker hash
-- KEYS[2]  the environment's versions hash (version -> worker id)
-- ARGV[1]  idle TTL of both keys (seconds)
-- ARGV[2]  version   ARGV[3]  worker id
-- ARGV[4]  queue-set field name   ARGV[5]  the worker's queue set (encoded)
-- ARGV[6..] slug, encoded metadata, slug, encoded metadata, ...
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[4], ARGV[5])
-- HSET in chunks: unpack() of thousands of arguments would overflow the Lua stack.
local n = #ARGV
local chunk = 500
for i = 6, n, 2 * chunk do
  local last = math.min(i + 2 * chunk - 1, n)
  redis.call('HSET', KEYS[1], unpack(ARGV, i, last))
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1
