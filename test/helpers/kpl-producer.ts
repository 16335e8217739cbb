// KPL aggregates made by an independent encoder: AWS' own aws-kinesis-agg (the format's reference
// implementation for Node), so the decoder is never checked against an encoder of our own.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';

export interface UserRecord {
  partitionKey: string;
  data: Buffer;
  explicitHashKey?: string;
}

interface RecordAggregator {
  addUserRecord(record: UserRecord): void;
  build(): { partitionKey: string; data: Buffer };
}

const { RecordAggregator } = createRequire(import.meta.url)('aws-kinesis-agg') as { RecordAggregator: new () => RecordAggregator };

/** One aggregated Kinesis record holding `records`, with the partition key the library picks for it. */
export function aggregate(records: UserRecord[]): { partitionKey: string; data: Buffer } {
  const agg = new RecordAggregator();
  for (const r of records) agg.addUserRecord(r);
  return agg.build();
}

/** Magic + `body` + MD5(body): an aggregate around hand-made protobuf bytes (for malformed bodies). */
export function frame(body: number[] | Buffer): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), b, createHash('md5').update(b).digest()]);
}
