-- Deletes the leases of shards that are no longer in the stream, unless a live worker holds one.
-- KEYS[1..n]  lease keys, <app>:lease:<stream>:<shardId>
-- Returns how many were deleted.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deleted = 0
for i = 1, #KEYS do
  local lease = redis.call('HMGET', KEYS[i], 'owner', 'expires')
  if lease[1] == false or lease[1] == '' or tonumber(lease[2] or '0') <= now then
    deleted = deleted + redis.call('DEL', KEYS[i])
  end
end
return deleted
