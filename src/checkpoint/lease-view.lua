-- What every worker needs to balance: the live workers and, per shard, its lease and checkpoint.
-- Reads only.
-- KEYS[1]            the worker registry, <app>:workers:<stream>
-- KEYS[2..n+1]       lease keys, <app>:lease:<stream>:<shardId>
-- KEYS[n+2..2n+1]    the checkpoint keys of the same shards, in the same order
-- Returns { now (ms), { workerId, expiry, ... } of live workers,
--           { owner, token, expiry, checkpoint, ... } per shard (owner '' and token 0 when never taken,
--           checkpoint '' when none) }.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local workers = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES')
local n = (#KEYS - 1) / 2
local shards = {}
for i = 1, n do
  local lease = redis.call('HMGET', KEYS[i + 1], 'owner', 'token', 'expires')
  local checkpoint = redis.call('GET', KEYS[i + 1 + n])
  shards[#shards + 1] = lease[1] or ''
  shards[#shards + 1] = lease[2] or '0'
  shards[#shards + 1] = lease[3] or '0'
  shards[#shards + 1] = checkpoint or ''
end
return { now, workers, shards }
