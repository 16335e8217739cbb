-- Moves a checkpoint forward, never backwards.
-- KEYS[1]  the checkpoint key, <app>:checkpoint:<stream>:<shardId>
-- ARGV[1]  the new value: a decimal sequence number or SHARD_END
-- Returns the value stored afterwards.
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
