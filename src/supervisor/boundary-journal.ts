/**
 * The supervisor's side of exactly-once objects: actors read their shard's journal of batch
 * boundaries when they start and journal each boundary they cut by age or at a stop, before the
 * batch is written. The supervisor answers them because it owns the checkpoint store and knows
 * which actor is current and which lease fences the shard.
 */
import type { CheckpointStore, CutJournal } from '../checkpoint/checkpoint-store.js';
import type { LeaseFence } from '../checkpoint/lease-store.js';
import { ConnectorError, LeaseLostError } from '../core/errors.js';
import type { BoundaryApi } from '../threads/protocol.js';
import type { ShardRegistry } from './shard-registry.js';

/** The journal of `store`, or a clear error when the store keeps none (a store passed in by the caller may not). */
export function requireCutJournal(store: CheckpointStore): CutJournal {
  if (!store.cuts) {
    throw new ConnectorError('emitter.exactlyOnce needs a checkpoint store with a journal of batch boundaries (`cuts`); '
      + 'this store has none: set emitter.exactlyOnce to false, or use the Redis or file store', { code: 'EXACTLY_ONCE_UNSUPPORTED' });
  }
  return store.cuts;
}

export function boundaryJournal(journal: CutJournal, registry: ShardRegistry, fence: (shardId: string) => LeaseFence | undefined | null): BoundaryApi {
  const current = (shardId: string, generation: number, what: string) => {
    const s = registry.get(shardId);
    // An actor the supervisor has replaced (or killed for a lost lease) must not cut anything more.
    if (!s || s.generation !== generation || s.state !== 'running') {
      throw new ConnectorError(`${what} of ${shardId} refused: actor generation ${generation} is no longer the shard's`, { code: 'STALE_ACTOR' });
    }
  };
  return {
    async read(shardId, generation) {
      current(shardId, generation, 'reading the boundary journal');
      return journal.read(shardId);
    },
    async add(shardId, generation, sequenceNumber) {
      current(shardId, generation, `journaling boundary ${sequenceNumber}`);
      const f = fence(shardId);
      if (f === null) throw new LeaseLostError(`journaling boundary ${sequenceNumber} of ${shardId} refused: this worker no longer holds the shard`);
      await journal.add(shardId, sequenceNumber, f);
    },
  };
}
