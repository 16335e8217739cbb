// What the soak checks at the end: every object in the bucket read back, each produced record id
// counted, and every shard's checkpoint compared with the last sequence number put on it.
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { WRITE_CHECK_NAME } from '../../src/emitters/emitter.js';

export interface StoredCounts {
  objects: number;
  lines: number;
  /** Produced ids (click-0 … click-<n-1>) found nowhere. */
  lost: number;
  /** The first few lost ids, for a report. */
  lostSample: string[];
  /** Lines beyond the first copy of each id. */
  duplicates: number;
  /** Lines that are no produced id. */
  unknown: number;
  /** Objects listed that could not be read after retries, with the last error. */
  unreadable: Array<{ key: string; error: string }>;
}

/** Reads one object as text, retrying (the embedded S3 is busy right after the run). */
async function readObject(s3: S3Client, bucket: string, key: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await obj.Body!.transformToString('utf8');
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}

export async function countStored(s3: S3Client, bucket: string, total: number): Promise<StoredCounts> {
  const seen = new Uint32Array(total);
  let objects = 0, lines = 0, unknown = 0;
  const unreadable: Array<{ key: string; error: string }> = [];
  // ListObjects (v1) with a marker: s3rver's ListObjectsV2 fails past 1,000 keys on Node 17 and
  // later (its continuation token uses a cipher OpenSSL 3 no longer offers).
  let marker: string | undefined;
  let truncated: boolean | undefined;
  do {
    const page = await s3.send(new ListObjectsCommand({ Bucket: bucket, Marker: marker }));
    for (const o of page.Contents ?? []) {
      if (o.Key!.endsWith(WRITE_CHECK_NAME)) continue; // the start-up check's probe object
      let text: string;
      try {
        text = await readObject(s3, bucket, o.Key!);
      } catch (err) {
        unreadable.push({ key: o.Key!, error: String(err) });
        continue;
      }
      objects++;
      for (const line of text.split('\n')) {
        if (line === '') continue;
        lines++;
        const i = idOf(line);
        if (i === undefined || i >= total) unknown++;
        else seen[i]++;
      }
    }
    truncated = page.IsTruncated;
    marker = page.Contents?.at(-1)?.Key;
  } while (truncated && marker);
  let lost = 0, duplicates = 0;
  const lostSample: string[] = [];
  for (let i = 0; i < total; i++) {
    if (seen[i] === 0) {
      lost++;
      if (lostSample.length < 10) lostSample.push(`click-${i}`);
    } else duplicates += seen[i] - 1;
  }
  return { objects, lines, lost, lostSample, duplicates, unknown, unreadable };
}

const ID = /"id":"click-(\d+)"/;

function idOf(line: string): number | undefined {
  const m = ID.exec(line);
  return m ? Number(m[1]) : undefined;
}

export interface CheckpointCheck {
  shard: string;
  tail: string;
  checkpoint: string | null;
  atTail: boolean;
}

export function checkpointsAtTail(tail: Map<string, string>, checkpoints: Array<string | null>): CheckpointCheck[] {
  return [...tail.entries()].map(([shard, last], k) => ({ shard, tail: last, checkpoint: checkpoints[k], atTail: checkpoints[k] === last }));
}
