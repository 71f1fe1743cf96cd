-- Token bucket of one environment's triggers: refill, check and take in one atomic step, so instances sharing
-- the bucket never admit more than it holds.
-- KEYS[1] the bucket hash {tokens, at_ms}
-- ARGV[1] refill rate in tokens per second (may be fractional), ARGV[2] capacity (burst), ARGV[3] cost (<= burst)
-- Returns {allowed 1|0, whole tokens left, ms until the request could pass (0 when allowed),
--          ms until the bucket is full again, Redis's clock in ms}.
--
-- Time is Redis's own clock, not the caller's: every instance charges the same bucket, so they must agree on
-- how much has refilled. Before Redis 7 a script that reads TIME and then writes must switch to effects
-- replication first; from Redis 7 on that is the only mode and the call is a no-op.
if redis.replicate_commands then
    redis.replicate_commands()
end
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local state = redis.call('HMGET', KEYS[1], 'tokens', 'at_ms')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
    tokens = burst
elseif now > at then
    tokens = math.min(burst, tokens + (now - at) * rate)
else
    -- A clock that went back (Redis failover) refills nothing, but the capacity may have been lowered.
    tokens = math.min(burst, tokens)
end

local allowed = 0
local retry_ms = 0
if tokens >= cost then
    tokens = tokens - cost
    allowed = 1
else
    retry_ms = math.ceil((cost - tokens) / rate)
end
local full_ms = math.ceil((burst - tokens) / rate)

redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at_ms', string.format('%d', now))
-- A full bucket is the same as no bucket: let idle environments' keys expire.
redis.call('PEXPIRE', KEYS[1], full_ms + 1000)
return {allowed, math.floor(tokens), retry_ms, full_ms, now}
