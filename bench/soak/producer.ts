// The soak's producer: click events `click-0` … `click-<n-1>` put on the stream 500 a call while
// the pipeline runs, keeping the highest sequence number written to each shard (the tail the
// checkpoints must reach).
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { clickBytes } from '../../src/local/click-events.js';

export interface Producer {
  /** Resolves once every record is on the stream. */
  done: Promise<void>;
  /** Records put so far. */
  readonly produced: number;
  /** Highest sequence number put on each shard. */
  tail: Map<string, string>;
}

/**
 * Starts putting `total` records. With `spanMs`, paced so that record `i` goes out no earlier than
 * `i / total` of the way through that span (the producer runs during the whole fault schedule).
 */
export function produce(client: KinesisClient, stream: string, total: number,
  options: { spanMs?: number; concurrency?: number } = {}): Producer {
  const started = Date.now();
  const spanMs = options.spanMs ?? 0;
  const tail = new Map<string, string>();
  let produced = 0;
  let next = 0;
  const putChunk = async (from: number, to: number) => {
    let pending = Array.from({ length: to - from }, (_, k) => from + k);
    let last = '';
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 50) throw new Error(`PutRecords kept failing: ${last}`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      const batch = pending;
      let res;
      try {
        res = await client.send(new PutRecordsCommand({
          StreamName: stream, Records: batch.map((i) => ({ Data: clickBytes(i), PartitionKey: `user-${i}` })),
        }));
      } catch (err) {
        last = String(err).slice(0, 300);
        continue;
      }
      pending = [];
      res.Records!.forEach((r, k) => {
        if (r.ErrorCode) {
          last = `${r.ErrorCode}: ${r.ErrorMessage}`;
          return pending.push(batch[k]);
        }
        produced++;
        const prev = tail.get(r.ShardId!);
        if (!prev || BigInt(prev) < BigInt(r.SequenceNumber!)) tail.set(r.ShardId!, r.SequenceNumber!);
      });
    }
  };
  const lane = async () => {
    while (next < total) {
      const from = next;
      const to = Math.min(total, from + 500);
      next = to;
      const due = started + (from / total) * spanMs;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      await putChunk(from, to);
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency ?? 2 }, lane)).then(() => undefined);
  return { done, get produced() { return produced; }, tail };
}
