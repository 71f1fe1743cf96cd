-- Replaces one task-metadata hash in a single atomic step (readers never see it half written).
-- Used when a worker version is registered outside DEVELOPMENT: only its by-worker hash changes.
-- KEYS[1]  the hash
-- ARGV[1]  TTL in seconds
-- ARGV[2..] slug, encoded metadata, slug, encoded metadata, ...
redis.call('DEL', KEYS[1])
local n = #ARGV
if n < 3 then
  return 0
end
-- HSET in chunks: unpack() of thousands of arguments would overflow the Lua stack.
local chunk = 500
for i = 2, n, 2 * chunk do
  local last = math.min(i + 2 * chunk - 1, n)
  redis.call('HSET', KEYS[1], unpack(ARGV, i, last))
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
