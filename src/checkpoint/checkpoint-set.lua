-- Moves a checkpoint forward, never backwards; with a lease key, only for the lease's holder.
-- Runs after checkpoint-prelude.lua (compare_sequence, lease_refusal).
-- KEYS[1]  the checkpoint key, <app>:checkpoint:<stream>:<shardId>
-- KEYS[2]  (optional) the shard's lease key, <app>:lease:<stream>:<shardId>
-- ARGV[1]  the new value: an extended sequence number (<digits> or <digits>.<digits>) or SHARD_END
-- ARGV[2]  (with KEYS[2]) the writer's worker id
-- ARGV[3]  (with KEYS[2]) the writer's lease token
-- Returns the value stored afterwards, or the error LEASE_LOST when the lease has another owner or
-- token than the writer's.
if #KEYS == 2 then
  local refusal = lease_refusal(KEYS[2], ARGV[2], ARGV[3])
  if refusal then return refusal end
end

local current = redis.call('GET', KEYS[1])
local new = ARGV[1]
if current and compare_sequence(new, current) <= 0 then return current end
redis.call('SET', KEYS[1], new)
return new
