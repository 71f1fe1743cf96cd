-- Removes an environment hash that a back-fill created for a worker the writer no longer confirms as current
-- (a promotion committed, and its own cache write was lost, between the resolver's writer read and the
-- back-fill). Only a hash still owned by that worker and never stamped by a promotion (no generation) goes:
-- anything a promotion wrote since is newer than what the resolver knew.
-- KEYS[1]  environment hash
-- ARGV[1]  owner field name   ARGV[2]  the unconfirmed owner   ARGV[3]  generation field name
-- ARGV[4]  the invalidation channel (the removed hash's key is published there)
-- Returns 1 when the hash was removed.
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] and redis.call('HEXISTS', KEYS[1], ARGV[3]) == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[4], KEYS[1])
  return 1
end
return 0
