/** DiscardEmitter: stores nothing. For measuring the pipeline itself; never for data you want to keep. */
import type { Batch } from '../../core/batch.js';
import type { Emitter } from '../emitter.js';

/** Discards every batch: for measuring the pipeline itself. */
export class DiscardEmitter implements Emitter {
  emit(batch: Batch): Promise<{ location: string }> {
    return Promise.resolve({ location: `discard:${batch.shardId}/${batch.firstSeq}-${batch.lastSeq}` });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
