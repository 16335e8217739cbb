/**
 * The start-up checks: before any shard is read, the sink answers and takes writes, and the
 * checkpoint store answers (see `Emitter.check` and `CheckpointStore.check`). The sink (and, with
 * `deadLetter.s3`, the dead-letter bucket: `checkDeadLetterSink`) is checked by the first emitter
 * thread as it starts (so the main thread never loads the sink's client), the store on the main thread.
 */
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';

/**
 * Resolves when both pass; else rejects with the sink's failure (the emitter threads' start-up,
 * `startEmitters`), or else the store's (a SinkCheckError).
 */
export async function runStartUpChecks(startEmitters: () => Promise<void>, store: CheckpointStore): Promise<void> {
  const [emitter, checkpoints] = await Promise.allSettled([startEmitters(), store.check?.()]);
  if (emitter.status === 'rejected') throw emitter.reason;
  if (checkpoints.status === 'rejected') throw checkpoints.reason;
}
