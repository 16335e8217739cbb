-- Journals a batch boundary (the last sequence number of a batch cut by age or at a stop) before
-- the batch is written, so a restarted actor cuts there again; drops the boundaries the checkpoint
-- has passed. With a lease key, only for the lease's holder (as checkpoint-set.lua).
-- Runs after checkpoint-prelude.lua (compare_sequence, lease_refusal).
-- KEYS[1]  the shard's journal, a set: <app>:cuts:<stream>:<shardId>
-- KEYS[2]  the checkpoint key, <app>:checkpoint:<stream>:<shardId>
-- KEYS[3]  (optional) the shard's lease key, <app>:lease:<stream>:<shardId>
-- ARGV[1]  the boundary: a sequence number, `<seq>.<sub>` inside a KPL aggregate
-- ARGV[2]  (with KEYS[3]) the writer's worker id
-- ARGV[3]  (with KEYS[3]) the writer's lease token
-- Returns 1 when journaled, 0 when the checkpoint is already at or past it (nothing to cut again),
-- or the error LEASE_LOST when the lease has another owner or token than the writer's.
if #KEYS == 3 then
  local refusal = lease_refusal(KEYS[3], ARGV[2], ARGV[3])
  if refusal then return refusal end
end

local checkpoint = redis.call('GET', KEYS[2])
if checkpoint then
  if compare_sequence(ARGV[1], checkpoint) <= 0 then return 0 end
  for _, cut in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if compare_sequence(cut, checkpoint) <= 0 then redis.call('SREM', KEYS[1], cut) end
  end
end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
