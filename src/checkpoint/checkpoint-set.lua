-- Moves a checkpoint forward, never backwards; with a lease key, only for the lease's holder.
-- KEYS[1]  the checkpoint key, <app>:checkpoint:<stream>:<shardId>
-- KEYS[2]  (optional) the shard's lease key, <app>:lease:<stream>:<shardId>
-- ARGV[1]  the new value: an extended sequence number (<digits> or <digits>.<digits>) or SHARD_END
-- ARGV[2]  (with KEYS[2]) the writer's worker id
-- ARGV[3]  (with KEYS[2]) the writer's lease token
-- Returns the value stored afterwards, or the error LEASE_LOST when the lease has another owner or
-- token than the writer's (it moved on: a paused, stale writer must not write).
-- The order is core/sequence.ts' compareSequence: by the sequence number, then the sub-sequence
-- number, a plain S before S.0, SHARD_END after every number.
if #KEYS == 2 then
  local lease = redis.call('HMGET', KEYS[2], 'owner', 'token')
  if lease[1] ~= ARGV[2] or lease[2] ~= ARGV[3] then
    return redis.error_reply('LEASE_LOST the lease ' .. KEYS[2] .. ' is held by ' .. tostring(lease[1] or 'nobody') ..
      ' with token ' .. tostring(lease[2] or '0') .. ', not by ' .. ARGV[2] .. ' with token ' .. ARGV[3])
  end
end

-- Digit strings without leading zeros, compared numerically: -1, 0 or 1.
local function compare_digits(a, b)
  if string.len(a) ~= string.len(b) then return string.len(a) < string.len(b) and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end

-- Extended sequence numbers compared as compareSequence does (neither is SHARD_END).
local function compare_sequence(a, b)
  local an, as = string.match(a, '^(%d+)%.?(%d*)$')
  local bn, bs = string.match(b, '^(%d+)%.?(%d*)$')
  local by_number = compare_digits(an or a, bn or b)
  if by_number ~= 0 then return by_number end
  if as == bs then return 0 end
  if as == '' then return -1 end
  if bs == '' then return 1 end
  return compare_digits(as, bs)
end

local current = redis.call('GET', KEYS[1])
local new = ARGV[1]
if current then
  if current == 'SHARD_END' then return current end
  if new ~= 'SHARD_END' and compare_sequence(new, current) <= 0 then return current end
end
redis.call('SET', KEYS[1], new)
return new
