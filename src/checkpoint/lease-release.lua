-- Gives leases back (on a graceful stop, or when a shard is finished) so that another worker takes
-- them at its next round instead of after their expiry. The token stays: it only ever grows.
-- KEYS[1]       the worker registry, <app>:workers:<stream>
-- KEYS[2..n+1]  lease keys, <app>:lease:<stream>:<shardId>
-- ARGV[1]       the worker id
-- ARGV[2]       '1' to leave the worker registry too (the worker stops), else '0'
-- ARGV[3..n+2]  the token the worker holds for each lease
-- Returns how many leases were released (a lease that moved on is not touched).
local released = 0
for i = 2, #KEYS do
  local lease = redis.call('HMGET', KEYS[i], 'owner', 'token')
  if lease[1] == ARGV[1] and lease[2] == ARGV[i + 1] then
    redis.call('HSET', KEYS[i], 'owner', '', 'expires', 0)
    released = released + 1
  end
end
if ARGV[2] == '1' then redis.call('ZREM', KEYS[1], ARGV[1]) end
return released
