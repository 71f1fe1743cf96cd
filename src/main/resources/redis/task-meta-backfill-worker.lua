-- Back-fills one slug into a by-worker hash after a locked-path miss and slides the hash's idle TTL.
-- KEYS[1]  by-worker hash
-- ARGV[1]  slug   ARGV[2]  encoded metadata   ARGV[3]  idle TTL (seconds)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
