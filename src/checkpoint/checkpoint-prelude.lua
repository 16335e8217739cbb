-- Shared by checkpoint-set.lua and cut-journal-add.lua: the store puts this text before each of
-- them when it defines the command (Redis scripts cannot include one another).

-- Digit strings without leading zeros, compared numerically: -1, 0 or 1.
local function compare_digits(a, b)
  if string.len(a) ~= string.len(b) then return string.len(a) < string.len(b) and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end

-- Extended sequence numbers (<digits> or <digits>.<digits>) ordered as core/sequence.ts'
-- compareSequence: by the sequence number, then the sub-sequence number, a plain S before S.0,
-- SHARD_END after every number.
local function compare_sequence(a, b)
  if a == b then return 0 end
  if a == 'SHARD_END' then return 1 end
  if b == 'SHARD_END' then return -1 end
  local an, as = string.match(a, '^(%d+)%.?(%d*)$')
  local bn, bs = string.match(b, '^(%d+)%.?(%d*)$')
  local by_number = compare_digits(an or a, bn or b)
  if by_number ~= 0 then return by_number end
  if as == bs then return 0 end
  if as == '' then return -1 end
  if bs == '' then return 1 end
  return compare_digits(as, bs)
end

-- nil when the lease at `lease_key` is held by `owner` with `token`; else the LEASE_LOST error
-- reply to return (the lease moved on: a paused, stale writer must not write).
local function lease_refusal(lease_key, owner, token)
  local lease = redis.call('HMGET', lease_key, 'owner', 'token')
  if lease[1] == owner and lease[2] == token then return nil end
  return redis.error_reply('LEASE_LOST the lease ' .. lease_key .. ' is held by ' .. tostring(lease[1] or 'nobody') ..
    ' with token ' .. tostring(lease[2] or '0') .. ', not by ' .. owner .. ' with token ' .. token)
end

