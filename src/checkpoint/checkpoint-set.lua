-- Moves a checkpoint forward, never backwards; with a lease key, only for the lease's holder.
-- KEYS[1]  the checkpoint key, <app>:checkpoint:<stream>:<shardId>
-- KEYS[2]  (optional) the shard's lease key, <app>:lease:<stream>:<shardId>
-- ARGV[1]  the new value: a decimal sequence number or SHARD_END
-- ARGV[2]  (with KEYS[2]) the writer's worker id
-- ARGV[3]  (with KEYS[2]) the writer's lease token
-- Returns the value stored afterwards, or the error LEASE_LOST when the lease has another owner or
-- token than the writer's (it moved on: a paused, stale writer must not write).
if #KEYS == 2 then
  local lease = redis.call('HMGET', KEYS[2], 'owner', 'token')
  if lease[1] ~= ARGV[2] or lease[2] ~= ARGV[3] then
    return redis.error_reply('LEASE_LOST the lease ' .. KEYS[2] .. ' is held by ' .. tostring(lease[1] or 'nobody') ..
      ' with token ' .. tostring(lease[2] or '0') .. ', not by ' .. ARGV[2] .. ' with token ' .. ARGV[3])
  end
end
local current = redis.call('GET', KEYS[1])
local new = ARGV[1]
if current then
  if current == 'SHARD_END' then return current end
  if new ~= 'SHARD_END' then
    if string.len(new) < string.len(current) then return current end
    if string.len(new) == string.len(current) and new <= current then return current end
  end
end
redis.call('SET', KEYS[1], new)
return new
