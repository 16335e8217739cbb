-- Journals a batch boundary (the last sequence number of a batch cut by age or at a stop) before
-- the batch is written, so a restarted actor cuts there again; drops the boundaries the checkpoint
-- has passed. With a lease key, only for the lease's holder (as checkpoint-set.lua).
-- KEYS[1]  the shard's journal, a set: <app>:cuts:<stream>:<shardId>
-- KEYS[2]  the checkpoint key, <app>:checkpoint:<stream>:<shardId>
-- KEYS[3]  (optional) the shard's lease key, <app>:lease:<stream>:<shardId>
-- ARGV[1]  the boundary: a sequence number, `<seq>.<sub>` inside a KPL aggregate
-- ARGV[2]  (with KEYS[3]) the writer's worker id
-- ARGV[3]  (with KEYS[3]) the writer's lease token
-- Returns 1 when journaled, 0 when the checkpoint is already at or past it (nothing to cut again),
-- or the error LEASE_LOST when the lease has another owner or token than the writer's.
if #KEYS == 3 then
  local lease = redis.call('HMGET', KEYS[3], 'owner', 'token')
  if lease[1] ~= ARGV[2] or lease[2] ~= ARGV[3] then
    return redis.error_reply('LEASE_LOST the lease ' .. KEYS[3] .. ' is held by ' .. tostring(lease[1] or 'nobody') ..
      ' with token ' .. tostring(lease[2] or '0') .. ', not by ' .. ARGV[2] .. ' with token ' .. ARGV[3])
  end
end

-- `<digits>` or `<digits>.<sub>`: the number, and the sub-sequence (-1 for a plain record).
local function split(v)
  local dot = string.find(v, '.', 1, true)
  if dot then return string.sub(v, 1, dot - 1), tonumber(string.sub(v, dot + 1)) end
  return v, -1
end

-- a <= b, numerically; SHARD_END is above every sequence number.
local function at_or_below(a, b)
  if b == 'SHARD_END' then return true end
  if a == 'SHARD_END' then return false end
  local an, as = split(a)
  local bn, bs = split(b)
  if #an ~= #bn then return #an < #bn end
  if an ~= bn then return an < bn end
  return as <= bs
end

local checkpoint = redis.call('GET', KEYS[2])
if checkpoint then
  if at_or_below(ARGV[1], checkpoint) then return 0 end
  for _, cut in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if at_or_below(cut, checkpoint) then redis.call('SREM', KEYS[1], cut) end
  end
end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
