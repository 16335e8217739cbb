-- A worker's heartbeat and the renewal of every lease it holds, in one call whatever their number.
-- KEYS[1]       the worker registry, <app>:workers:<stream> (sorted set: worker id -> heartbeat expiry, ms)
-- KEYS[2..n+1]  the lease keys the worker holds, <app>:lease:<stream>:<shardId>
-- ARGV[1]       the worker id
-- ARGV[2]       the lease duration, ms
-- ARGV[3..n+2]  the token the worker holds for each of those leases
-- Expiries come from Redis' clock, never from a worker's.
-- Returns { now (ms), 1 or 0 per lease: 1 renewed, 0 lost (another owner or token) }.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = {}
for i = 2, #KEYS do
  local lease = redis.call('HMGET', KEYS[i], 'owner', 'token')
  if lease[1] == ARGV[1] and lease[2] == ARGV[i + 1] then
    redis.call('HSET', KEYS[i], 'expires', expires)
    held[i - 1] = 1
  else
    held[i - 1] = 0
  end
end
return { now, held }
