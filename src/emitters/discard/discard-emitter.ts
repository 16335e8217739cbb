/** DiscardEmitter: stores nothing. For measuring the pipeline itself; never for data you want to keep. */
import type { Emitter, EmitterBatch } from '../emitter.js';

/** Discards every batch: for measuring the pipeline itself. */
export class DiscardEmitter implements Emitter {
  async emit(batch: EmitterBatch): Promise<{ location: string }> {
    return { location: `discard:${batch.shardId}/${batch.firstSeq}-${batch.lastSeq}` };
  }

  async close(): Promise<void> {}
}
