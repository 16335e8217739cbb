/** Where a shard's next actor starts reading. */
import type { StartPosition } from '../config/config.js';
import type { StartAt } from '../core/records.js';
import { SHARD_END, splitSequence } from '../core/sequence.js';
import type { ShardEntry } from './shard-registry.js';

/**
 * After the committed checkpoint when there is one (at the Kinesis record of a checkpoint inside a
 * KPL aggregate, `S.k`, whose user records up to k the actor then drops); else TRIM_HORIZON for a child shard, else the
 * configured start. LATEST means "from when this pipeline first started the shard": it records that
 * moment in the entry, and a restart before the first checkpoint resumes there (AT_TIMESTAMP), not at
 * a later LATEST that would skip what the failed actor had read.
 */
export function startAt(s: Pick<ShardEntry, 'committed' | 'info' | 'firstStartedAt'>, configured: StartPosition, now = Date.now()): StartAt {
  if (s.committed && s.committed !== SHARD_END) {
    const { sequenceNumber, subSequenceNumber } = splitSequence(s.committed);
    return subSequenceNumber === null ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber }
      : { type: 'AT_SEQUENCE_NUMBER', sequenceNumber, subSequenceNumber };
  }
  // A child of a split or merge holds only records written after its parents closed: all of them
  // are read, whatever the configured start.
  if (s.info.parentShardId !== undefined || s.info.adjacentParentShardId !== undefined) return { type: 'TRIM_HORIZON' };
  if (configured === 'TRIM_HORIZON') return { type: configured };
  if (configured === 'LATEST') {
    if (s.firstStartedAt === undefined) {
      s.firstStartedAt = now;
      return { type: 'LATEST' };
    }
    return { type: 'AT_TIMESTAMP', timestamp: s.firstStartedAt };
  }
  return { type: 'AT_TIMESTAMP', timestamp: Date.parse(configured) };
}
