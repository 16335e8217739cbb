-- Takes a live lease from another worker, for balance. Only when the lease is still the victim's
-- with the token the thief saw: two thieves never both win, and a lease that moved is left alone.
-- The victim learns it at its next renewal, and its checkpoint writes are refused from now on.
-- KEYS[1]  the lease key, <app>:lease:<stream>:<shardId>
-- ARGV[1]  the thief's worker id
-- ARGV[2]  the lease duration, ms
-- ARGV[3]  the victim's worker id
-- ARGV[4]  the token the thief saw
-- Returns the new token, or 0.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = redis.call('HMGET', KEYS[1], 'owner', 'token')
if lease[1] ~= ARGV[3] or lease[2] ~= ARGV[4] or ARGV[1] == ARGV[3] then return 0 end
local token = tonumber(lease[2]) + 1
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token, 'expires', now + tonumber(ARGV[2]))
return token
