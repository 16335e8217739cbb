// Builds Batch values by hand, laid out as the pipeline lays them out: records back to back,
// each followed by "\n", with offsets and the sequence number of each record.
import { packSequenceNumbers, type Batch } from '../../src/core/batch.js';

/** `n` increasing sequence numbers of realistic length (56 digits), starting after `from`. */
export function seqs(n: number, from = 0): string[] {
  const base = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n;
  return Array.from({ length: n }, (_, i) => String(base + BigInt(from + i) * 10n));
}

export function makeBatch(lines: string[], sequenceNumbers: string[],
  options: { shardId?: string; createdAt?: number } = {}): Batch {
  if (lines.length !== sequenceNumbers.length) throw new Error(`${lines.length} lines but ${sequenceNumbers.length} sequence numbers`);
  if (lines.length === 0) throw new Error('a batch holds at least one record');
  const encoded = lines.map((l) => Buffer.from(`${l}\n`, 'utf8'));
  const data = new Uint8Array(encoded.reduce((n, b) => n + b.byteLength, 0));
  const offsets = new Uint32Array(lines.length + 1);
  let at = 0;
  encoded.forEach((b, i) => {
    offsets[i] = at;
    data.set(b, at);
    at += b.byteLength;
  });
  offsets[lines.length] = at;
  return {
    shardId: options.shardId ?? 'shardId-000000000000',
    firstSeq: sequenceNumbers[0],
    lastSeq: sequenceNumbers[sequenceNumbers.length - 1],
    count: lines.length,
    data,
    offsets,
    ...packSequenceNumbers(sequenceNumbers),
    createdAt: options.createdAt ?? Date.UTC(2024, 4, 17, 12, 0, 0),
  };
}
