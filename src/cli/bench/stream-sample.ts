/**
 * `bench` without `--from`: the sample read from the configured stream, from the oldest record of
 * each shard (ListShards, GetShardIterator TRIM_HORIZON, GetRecords over the shards in turn) until
 * enough records are read or every shard is exhausted. Nothing is checkpointed: no checkpoint
 * store is even opened, and no lease is taken.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../aws/kinesis-client.js';
import { redactUrl, type ResolvedConfig } from '../../config/config.js';
import { retry } from '../../core/backoff.js';
import { ConnectorError, describeError, isRetriable } from '../../core/errors.js';
import type { SourceRecord } from '../../core/records.js';
import { cycleTo, type Sample } from './sample.js';
import { kinesisSdk } from '../../aws/sdk-modules.js';

const { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } = kinesisSdk();

/** A shard being sampled: its iterator, null once the shard is exhausted. */
interface ShardCursor {
  shardId: string;
  iterator: string | null;
}

function unreachable(stream: string, endpoint: string, err: unknown): ConnectorError {
  return new ConnectorError(`could not read a sample from stream ${stream} at ${endpoint}: ${describeError(err)}; `
    + 'to benchmark without the stream, give a sample file with --from <sample.ndjson>', { code: 'SAMPLE_UNREADABLE', cause: err });
}

async function listShardIds(client: KinesisClient, stream: string): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }));
    for (const s of page.Shards ?? []) if (s.ShardId) ids.push(s.ShardId);
    token = page.NextToken;
  } while (token);
  return ids;
}

/** One GetRecords of `cursor`'s shard (throttling retried with backoff); moves the cursor on. */
async function readOnce(client: KinesisClient, cursor: ShardCursor, limit: number, into: SourceRecord[]): Promise<void> {
  const iterator = cursor.iterator!;
  const out = await retry(() => client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit })), { attempts: 8, retriable: isRetriable });
  for (const r of out.Records ?? []) {
    into.push({ data: r.Data ?? new Uint8Array(0), sequenceNumber: r.SequenceNumber ?? String(into.length + 1),
      partitionKey: r.PartitionKey ?? '', arrival: r.ApproximateArrivalTimestamp?.getTime() ?? NaN });
  }
  // At the tip of an open shard (an empty answer, nothing behind) the shard is exhausted for a sample.
  const atTip = (out.Records ?? []).length === 0 && (out.MillisBehindLatest ?? 0) === 0;
  cursor.iterator = atTip ? null : out.NextShardIterator ?? null;
}

/** Up to `n` records of the stream, read from TRIM_HORIZON; cycled to `n` when the stream holds fewer. */
export async function readStreamSample(config: ResolvedConfig, n: number): Promise<Sample> {
  const stream = config.stream;
  const endpoint = config.kinesis.endpoint ? redactUrl(config.kinesis.endpoint) : `AWS Kinesis in ${config.kinesis.region}`;
  const client = createKinesisClient(config.kinesis);
  const read: SourceRecord[] = [];
  let shards: string[];
  try {
    shards = await listShardIds(client, stream);
    const cursors: ShardCursor[] = [];
    for (const shardId of shards) {
      const it = await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
      cursors.push({ shardId, iterator: it.ShardIterator ?? null });
    }
    for (let live = cursors; read.length < n && live.length > 0; live = live.filter((c) => c.iterator !== null)) {
      // An even share of what is missing from each shard still being read, so the sample spans the shards.
      const share = Math.min(10_000, Math.ceil((n - read.length) / live.length));
      for (const c of live) {
        if (read.length >= n) break;
        await readOnce(client, c, Math.min(share, n - read.length), read);
      }
    }
  } catch (err) {
    throw unreachable(stream, endpoint, err);
  } finally {
    client.destroy();
  }
  if (read.length === 0) {
    throw new ConnectorError(`stream ${stream} at ${endpoint} holds no records to sample (read from TRIM_HORIZON on ${shards.length} shard(s)); `
      + 'put some records in it, or give a sample file with --from <sample.ndjson>', { code: 'SAMPLE_EMPTY' });
  }
  return { source: { type: 'stream', stream, endpoint, shards: shards.length }, read: read.length, records: cycleTo(read, n) };
}
