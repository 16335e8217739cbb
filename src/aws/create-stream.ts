/** `createStream`: create a stream if it is missing and wait until it is ACTIVE. Idempotent. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { sleep } from '../core/backoff.js';
import { ConnectorError } from '../core/errors.js';
import { kinesisSdk } from './sdk-modules.js';

const { CreateStreamCommand, DescribeStreamSummaryCommand } = kinesisSdk();

export interface CreateStreamOptions {
  /** Give up waiting for ACTIVE after this long. @defaultValue 120000 */
  timeoutMs?: number;
  /** Poll interval while waiting. @defaultValue 250 */
  pollMs?: number;
}

export async function createStream(client: KinesisClient, name: string, shardCount: number, options: CreateStreamOptions = {}): Promise<void> {
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new ConnectorError(`shardCount must be a positive integer, got ${JSON.stringify(shardCount)}`, { code: 'INVALID_ARGUMENT' });
  }
  try {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') {
      throw new ConnectorError(`creating stream ${name} failed: ${(err as Error).message}`, { code: 'CREATE_STREAM_FAILED', cause: err });
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    const status = summary.StreamDescriptionSummary?.StreamStatus;
    if (status === 'ACTIVE') return;
    if (status === 'DELETING') throw new ConnectorError(`stream ${name} is being deleted`, { code: 'CREATE_STREAM_FAILED' });
    if (Date.now() > deadline) throw new ConnectorError(`stream ${name} not ACTIVE after ${options.timeoutMs ?? 120_000} ms (status ${status})`, { code: 'CREATE_STREAM_TIMEOUT', retriable: true });
    await sleep(options.pollMs ?? 250);
  }
}
