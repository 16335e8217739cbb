/**
 * An emitter thread: serves `emit` to the shard actors connected to it and stores each batch with
 * one retry budget (see `emitWithRetry`). Its answer to the actor is the acknowledgement; nothing
 * else is sent anywhere.
 */
import { setMaxListeners } from 'node:events';
import type { MessagePort } from 'node:worker_threads';
import type { Batch } from '../core/batch.js';
import { describeError } from '../core/errors.js';
import { createForwardingLogger } from '../core/logger.js';
import { createEmitter } from '../emitters/create-emitter.js';
import { emitWithRetry } from '../emitters/emit-with-retry.js';
import type { Emitter } from '../emitters/emitter.js';
import { serializeError, type EmitterApi, type EmitterEvent, type EmitterThreadData, type SerializedError } from '../threads/protocol.js';
import { loopDelayMonitor } from '../threads/loop-delay.js';
import { serve } from '../threads/rpc.js';
import { checkDeadLetterSink } from './create-dead-letter-sink.js';

const LOOP_DELAY_INTERVAL_MS = 1000;

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
  if (data.check) {
    try {
      await emitter.check?.();
      // The dead-letter bucket is a sink too: checked here, so the main thread never loads an S3 client.
      await checkDeadLetterSink(data.config.deadLetter);
    } catch (err) {
      await emitter.close().catch(() => undefined);
      post({ type: 'failed', error: serializeError(err) });
      return;
    }
  }
  const closing = new AbortController();
  // Every batch waiting to retry listens on this one signal; more than ten at once is expected.
  setMaxListeners(0, closing.signal);

  const api: EmitterApi = {
    emit(batch: Batch) {
      return emitWithRetry(emitter, batch, {
        signal: closing.signal,
        onRetry: (err, attempt, delayMs) => logger.warn(
          { shardId: batch.shardId, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, attempt, delayMs, error: describeError(err) },
          'emit failed; retrying'),
      });
    },
  };

  parent.on('message', (msg: EmitterControl) => {
    if (msg.type === 'connect') serve(api, msg.port);
    else if (msg.type === 'close') {
      closing.abort();
      emitter.close().catch((err) => logger.error({ error: describeError(err) }, 'closing the emitter failed'))
        .finally(() => post({ type: 'closed' }));
    }
  });
  // The event-loop delay is a metric of the endpoints: not sampled without them.
  if (data.config.http.port !== undefined) {
    const loop = loopDelayMonitor(`emitter-${data.emitterIndex}`);
    setInterval(() => post(loop.read()), LOOP_DELAY_INTERVAL_MS).unref();
  }
  post({ type: 'ready' });
}
