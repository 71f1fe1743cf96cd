-- Back-fills one field of a hash whose content never changes once written (a slug of a by-worker hash, a
-- worker's queue set, a version -> worker entry) and slides the hash's idle TTL.
-- KEYS[1]  the hash
-- ARGV[1]  field   ARGV[2]  value   ARGV[3]  idle TTL (seconds)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
