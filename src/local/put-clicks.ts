/** Producing the synthetic click events onto a stream, as the demo and the example do. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { retry } from '../core/backoff.js';
import { ConnectorError } from '../core/errors.js';
import { clickBytes } from './click-events.js';
import { kinesisSdk } from '../aws/sdk-modules.js';

const { PutRecordsCommand } = kinesisSdk();

/** Records per PutRecords call (the Kinesis maximum). */
const PER_CALL = 500;

/**
 * Puts click events `from` … `from + count - 1` (see `makeClick`) on `stream`, 500 per PutRecords
 * call, retrying only the entries that failed, with backoff. The partition key of event `i` is
 * `partitionKey(i)`, by default `user-<i>`.
 */
export async function putClicks(client: KinesisClient, stream: string, count: number,
  options: { from?: number; partitionKey?: (i: number) => string } = {}): Promise<void> {
  const from = options.from ?? 0;
  const key = options.partitionKey ?? ((i: number) => `user-${i}`);
  for (let start = from; start < from + count; start += PER_CALL) {
    let entries: Array<{ Data: Uint8Array; PartitionKey: string }> = [];
    for (let i = start; i < Math.min(from + count, start + PER_CALL); i++) entries.push({ Data: clickBytes(i), PartitionKey: key(i) });
    await retry(async () => {
      const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
      if (res.FailedRecordCount) {
        entries = entries.filter((_, k) => res.Records?.[k]?.ErrorCode);
        throw new ConnectorError(`${res.FailedRecordCount} records failed to put`, { code: 'PUT_FAILED', retriable: true });
      }
    }, { attempts: 20 });
  }
}
