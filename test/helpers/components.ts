// Real components for the integration tests: kinesalite and s3rver in-process on free ports, the
// local Redis, and small helpers to produce records and read back what landed.
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import type { LocalKinesis, LocalS3 } from '../../src/local/emulators.js';
import { startLocalStack } from '../../src/local/local-stack.js';
import { WRITE_CHECK_NAME } from '../../src/emitters/emitter.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let counter = 0;
/** A name no other test uses (streams, apps, buckets). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

export interface Env {
  kinesis: LocalKinesis;
  s3: LocalS3;
  kinesisClient: KinesisClient;
  s3Client: S3Client;
  tmp: string;
  bucket: string;
  close(): Promise<void>;
}

export async function startEnv(bucket = 'test-bucket'): Promise<Env> {
  const tmp = await mkdtemp(join(tmpdir(), 'kc-test-'));
  const stack = await startLocalStack({ s3Directory: join(tmp, 's3'), buckets: [bucket], redshift: false });
  return {
    kinesis: stack.kinesis, s3: stack.s3, kinesisClient: stack.kinesisClient, s3Client: stack.s3Client, tmp, bucket,
    async close() {
      await stack.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

export interface Produced {
  /** Last sequence number written to each shard. */
  lastSeq: Map<string, string>;
  /** Shard of every record, by its id. */
  shardOf: Map<string, string>;
}

/** Puts JSON records `{ id, ...extra(i) }`, 500 per call, retrying failed entries. */
export async function produce(client: KinesisClient, stream: string, ids: string[],
  extra: (id: string) => Record<string, unknown> = () => ({}), produced: Produced = { lastSeq: new Map(), shardOf: new Map() }): Promise<Produced> {
  for (let start = 0; start < ids.length; start += 500) {
    let batch = ids.slice(start, start + 500);
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt > 20) throw new Error('PutRecords kept failing');
      const res = await client.send(new PutRecordsCommand({
        StreamName: stream,
        Records: batch.map((id) => ({ Data: Buffer.from(JSON.stringify({ id, ...extra(id) })), PartitionKey: id })),
      }));
      const failed: string[] = [];
      res.Records!.forEach((r, k) => {
        if (r.ErrorCode) return failed.push(batch[k]);
        produced.shardOf.set(batch[k], r.ShardId!);
        const prev = produced.lastSeq.get(r.ShardId!);
        if (!prev || BigInt(prev) < BigInt(r.SequenceNumber!)) produced.lastSeq.set(r.ShardId!, r.SequenceNumber!);
      });
      batch = failed;
    }
  }
  return produced;
}

export function ids(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${from + i}`);
}

/** Every object in the bucket (under prefix), as { key, lines }; the start-up check's probe object left out. */
export async function readObjects(s3: S3Client, bucket: string, prefix = ''): Promise<Array<{ key: string; lines: string[] }>> {
  const out: Array<{ key: string; lines: string[] }> = [];
  let token: string | undefined;
  do {
    const page = await listObjectsPage(s3, bucket, prefix, token);
    for (const o of page.Contents ?? []) {
      if (o.Key!.endsWith(WRITE_CHECK_NAME)) continue;
      const text = await readObjectText(s3, bucket, o.Key!);
      out.push({ key: o.Key!, lines: text.slice(0, -1).split('\n') });
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

/**
 * Runs a read of the bucket again (up to 5 times) when it raced s3rver rewriting an object in
 * place: on a repeated PUT of a key (an emitter's retry, or a new lease owner writing exactly-once
 * keys) s3rver truncates the object's file and its metadata file and writes them anew, so a read
 * at that moment ends with the connection reset, the part written so far, or a 500 (metadata that
 * does not parse, also when listing). S3 itself replaces an object atomically.
 */
async function raceTolerant<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      const { code, name } = err as { code?: unknown; name?: unknown };
      const raced = code === 'ECONNRESET' || code === 'NO_NEWLINE' || code === 'Z_BUF_ERROR' || name === 'InternalError';
      if (!raced || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** One page of ListObjectsV2 (see raceTolerant). */
export function listObjectsPage(s3: S3Client, bucket: string, prefix: string, token?: string) {
  return raceTolerant(() => s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })));
}

/** An object's lines as text (gunzipped for `.gz`), which must end with a newline (see raceTolerant). */
function readObjectText(s3: S3Client, bucket: string, key: string): Promise<string> {
  return raceTolerant(async () => {
    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    let body = Buffer.from(await obj.Body!.transformToByteArray());
    if (key.endsWith('.gz')) body = gunzipSync(body);
    const text = body.toString('utf8');
    if (!text.endsWith('\n')) throw Object.assign(new Error(`object ${key} does not end with a newline`), { code: 'NO_NEWLINE' });
    return text;
  });
}

/** Every record line in the bucket, parsed. */
export async function readRecords<T = { id: string }>(s3: S3Client, bucket: string, prefix = ''): Promise<T[]> {
  return (await readObjects(s3, bucket, prefix)).flatMap((o) => o.lines.map((l) => JSON.parse(l) as T));
}

export async function redisGet(key: string): Promise<string | null> {
  const r = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    return await r.get(key);
  } finally {
    r.disconnect();
  }
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Counts how many times each id occurs. */
export function countIds(records: Array<{ id: string }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of records) m.set(r.id, (m.get(r.id) ?? 0) + 1);
  return m;
}

/** Every record on every shard of a stream, as text, read from TRIM_HORIZON until caught up. */
export async function readStream(client: KinesisClient, stream: string): Promise<Array<{ shardId: string; data: string; partitionKey: string }>> {
  const { ListShardsCommand, GetShardIteratorCommand, GetRecordsCommand } = await import('@aws-sdk/client-kinesis');
  const out: Array<{ shardId: string; data: string; partitionKey: string }> = [];
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  for (const s of shards) {
    let it = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (it) {
      const r = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      for (const rec of r.Records ?? []) out.push({ shardId: s.ShardId!, data: Buffer.from(rec.Data!).toString('utf8'), partitionKey: rec.PartitionKey! });
      if ((r.Records ?? []).length === 0) break;
      it = r.NextShardIterator;
    }
  }
  return out;
}
