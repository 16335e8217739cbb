/**
 * The start-up checks: before any shard is read, the sink answers and takes writes, and the
 * checkpoint store answers (see `Emitter.check` and `CheckpointStore.check`). Run on the main
 * thread with a short-lived emitter, closed after.
 */
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import type { ResolvedConfig } from '../config/config.js';
import { createEmitter } from '../emitters/create-emitter.js';

/** The emitter types with a check: every one that writes to S3, a database or a stream. */
const CHECKED = new Set(['s3', 's3-manifest', 'kinesis', 'postgres', 'redshift', 'redshift-manifest']);

/** Resolves when both pass; else rejects with the emitter's failure, or else the store's (a SinkCheckError). */
export async function runStartUpChecks(config: ResolvedConfig, store: CheckpointStore): Promise<void> {
  const [emitter, checkpoints] = await Promise.allSettled([checkEmitter(config), store.check?.()]);
  if (emitter.status === 'rejected') throw emitter.reason;
  if (checkpoints.status === 'rejected') throw checkpoints.reason;
}

async function checkEmitter(config: ResolvedConfig): Promise<void> {
  if (!CHECKED.has(config.emitter.type)) return;
  const emitter = await createEmitter(config);
  try {
    await emitter.check?.();
  } finally {
    await emitter.close().catch(() => undefined);
  }
}
