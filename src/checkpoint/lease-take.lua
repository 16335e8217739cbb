-- Takes a shard's lease when it is free (released or never taken), expired, or held under the
-- taker's own worker id (that worker restarted: a stable worker.id resumes at once), and still as
-- the taker saw it. Every take raises the token, the fencing token that checkpoint writes must carry.
-- KEYS[1]  the lease key, <app>:lease:<stream>:<shardId>
-- ARGV[1]  the taker's worker id
-- ARGV[2]  the lease duration, ms
-- ARGV[3]  the token the taker saw ('0' for a lease never taken)
-- Returns the new token, or 0 when the lease is held or changed since it was seen.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = redis.call('HMGET', KEYS[1], 'owner', 'token', 'expires')
local token = tonumber(lease[2] or '0')
if token ~= tonumber(ARGV[3]) then return 0 end
local free = (lease[1] == false or lease[1] == '' or lease[1] == ARGV[1] or tonumber(lease[3] or '0') <= now)
if not free then return 0 end
token = token + 1
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token, 'expires', now + tonumber(ARGV[2]))
return token
