-- Repairs an environment hash whose replacement was lost (a promotion or DEVELOPMENT registration committed, and
-- its cache write failed): removes it, unless a write of that generation or a newer one is already in it. Removing
-- is always safe (the next trigger back-fills the view from the writer, with the owner confirmed); replaying the
-- lost write is not (after a Redis restart nothing would stop an old generation from overwriting a newer one).
-- KEYS[1]  environment hash
-- ARGV[1]  generation field name   ARGV[2]  generation of the lost write
-- ARGV[3]  the invalidation channel (the removed hash's key is published there)
-- Returns 1 when the hash was removed or absent, 0 when a write of that generation or a newer one owns it.
local stored = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if stored and stored >= tonumber(ARGV[2]) then
  return 0
end
if redis.call('DEL', KEYS[1]) == 1 then
  redis.call('PUBLISH', ARGV[3], KEYS[1])
end
return 1
