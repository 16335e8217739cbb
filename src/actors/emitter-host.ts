/**
 * An emitter thread: serves `emit` to the shard actors connected to it, retries failed writes that
 * are worth retrying, and acknowledges every stored batch to the supervisor.
 */
import type { MessagePort } from 'node:worker_threads';
import { retry } from '../core/backoff.js';
import { createEmitter } from '../emitters/create-emitter.js';
import { describeError } from '../core/errors.js';
import { createForwardingLogger } from '../core/logger.js';
import type { Emitter, EmitterBatch } from '../emitters/emitter.js';
import { serializeError, type EmitBatch, type EmitterApi, type EmitterEvent, type EmitterThreadData, type SerializedError } from '../threads/protocol.js';
import { unpackStrings } from '../transform/record-window.js';
import { serve } from '../threads/rpc.js';

/** Attempts per batch inside the emitter before the shard actor is failed (and restarted). */
const EMIT_ATTEMPTS = 6;

/** The emitter's view of a batch; per-record sequence numbers are decoded only if an emitter reads them. */
function toEmitterBatch(batch: EmitBatch): EmitterBatch {
  let seqs: string[] | undefined;
  return {
    shardId: batch.shardId, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, count: batch.count,
    data: new Uint8Array(batch.data), offsets: batch.offsets, createdAt: batch.createdAt,
    get sequenceNumbers() {
      seqs ??= unpackStrings(batch.seqs, batch.seqOffsets);
      return seqs;
    },
  };
}

export type EmitterControl = { type: 'connect'; port: MessagePort } | { type: 'close' };

export async function runEmitterHost(data: EmitterThreadData, parent: MessagePort): Promise<void> {
  const post = (event: EmitterEvent | { type: 'closed' } | { type: 'ready' } | { type: 'failed'; error: SerializedError }) => parent.postMessage(event);
  const logger = createForwardingLogger(post, { emitter: data.emitterIndex });
  let emitter: Emitter;
  try {
    emitter = await createEmitter(data.config);
  } catch (err) {
    post({ type: 'failed', error: serializeError(err) });
    return;
  }

  const api: EmitterApi = {
    async emit(batch: EmitBatch) {
      const view = toEmitterBatch(batch);
      const { location } = await retry(() => emitter.emit(view), {
        attempts: EMIT_ATTEMPTS,
        onRetry: (err, attempt, delayMs) => logger.warn(
          { shardId: batch.shardId, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, attempt, delayMs, error: describeError(err) },
          'emit failed; retrying'),
      });
      post({ type: 'ack', shardId: batch.shardId, generation: batch.generation, batchNo: batch.batchNo, lastSeq: batch.lastSeq,
        count: batch.count, bytes: batch.data.byteLength, location });
      return { location };
    },
  };

  parent.on('message', (msg: EmitterControl) => {
    if (msg.type === 'connect') serve(api, msg.port);
    else if (msg.type === 'close') {
      emitter.close().catch((err) => logger.error({ error: describeError(err) }, 'closing the emitter failed'))
        .finally(() => post({ type: 'closed' }));
    }
  });
  post({ type: 'ready' });
}
