/**
 * The objects of a batch for the `s3` and `file` emitters: one per partition of the batch (a key
 * template with per-record parts), each the records of that partition in order, keyed by the
 * template with `{firstSeq}`/`{lastSeq}` of its first and last record; or the batch as one object
 * when it has no partitions. The keys are known before anything is written, so a batch with a key
 * that would leave the prefix writes nothing.
 */
import { sequenceNumberAt, type Batch } from '../core/batch.js';
import { ConnectorError, showValue } from '../core/errors.js';
import { confinedKey, isKeySegment, PATH_ESCAPE } from '../core/confined-path.js';
import { checkShardId } from '../core/shard-id.js';
import { partitionParts } from '../transform/record-partitions.js';
import { ArrivalFormatter } from './arrival-format.js';
import { batchKey } from './emitter.js';
import { DEFAULT_KEY_TEMPLATE, renderKeySegments, type KeyTemplate } from './key-template.js';

/** One object to write: its key under the prefix and its records. */
export interface BatchObject {
  key: string;
  batch: Batch;
}

/** How keys are made: the prefix, the parsed template, the default of missing fields, the name's ending. */
export interface KeyScheme {
  prefix: string;
  template: KeyTemplate;
  fieldDefault: string;
  extension: string;
  gzip: boolean;
}

function checkSegment(value: string, what: string): string {
  if (!isKeySegment(value)) throw new ConnectorError(`refusing the ${what} ${showValue(value)} in an object key: it is not one key segment`, { code: PATH_ESCAPE, retriable: false });
  return value;
}

function keyOf(s: KeyScheme, shardId: string, firstSeq: string, lastSeq: string, record: readonly string[]): string {
  const values = { shardId, firstSeq: checkSegment(firstSeq, 'sequence number'), lastSeq: checkSegment(lastSeq, 'sequence number'), record };
  return confinedKey(s.prefix, ...renderKeySegments(s.template, values, `${s.extension}${s.gzip ? '.gz' : ''}`));
}

/** The records `indexes` of `batch` (ascending), as a batch of their own. */
function subBatch(batch: Batch, indexes: readonly number[]): Batch {
  const n = indexes.length;
  let bytes = 0;
  let seqBytes = 0;
  for (const i of indexes) {
    bytes += batch.offsets[i + 1] - batch.offsets[i];
    seqBytes += batch.seqOffsets[i + 1] - batch.seqOffsets[i];
  }
  const data = new Uint8Array(bytes);
  const offsets = new Uint32Array(n + 1);
  const seqs = new Uint8Array(seqBytes);
  const seqOffsets = new Uint32Array(n + 1);
  for (let k = 0; k < n; k++) {
    const i = indexes[k];
    data.set(batch.data.subarray(batch.offsets[i], batch.offsets[i + 1]), offsets[k]);
    offsets[k + 1] = offsets[k] + batch.offsets[i + 1] - batch.offsets[i];
    seqs.set(batch.seqs.subarray(batch.seqOffsets[i], batch.seqOffsets[i + 1]), seqOffsets[k]);
    seqOffsets[k + 1] = seqOffsets[k] + batch.seqOffsets[i + 1] - batch.seqOffsets[i];
  }
  const first = sequenceNumberAt({ seqs, seqOffsets }, 0);
  const last = sequenceNumberAt({ seqs, seqOffsets }, n - 1);
  return { shardId: batch.shardId, firstSeq: first, lastSeq: last, count: n, data, offsets, seqs, seqOffsets, createdAt: batch.createdAt, firstArrival: batch.firstArrival };
}

/** A batch without partitions: one object, its arrival parts dated by its first record (or its cut), fields at their default. */
function wholeBatch(s: KeyScheme, batch: Batch, shardId: string): BatchObject[] {
  if (s.template.source === DEFAULT_KEY_TEMPLATE) return [{ key: batchKey(s.prefix, batch, s.gzip, s.extension), batch }];
  const at = Number.isFinite(batch.firstArrival) ? batch.firstArrival! : batch.createdAt;
  const record = s.template.recordParts.map((p) => (p.kind === 'arrival' ? new ArrivalFormatter(p.format).format(at) : s.fieldDefault));
  return [{ key: keyOf(s, shardId, batch.firstSeq, batch.lastSeq, record), batch }];
}

/**
 * The objects of `batch`, in the order of their partitions' first records. Throws a non-retriable
 * ConnectorError (`BAD_SHARD_ID`, `PATH_ESCAPE`) when a key would not be a key under the prefix.
 */
export function batchObjects(s: KeyScheme, batch: Batch): BatchObject[] {
  const shardId = checkShardId(batch.shardId, 'a batch', 'it is not stored');
  const { partitions, partitionOf } = batch;
  if (partitions === undefined || partitionOf === undefined) return wholeBatch(s, batch, shardId);
  const members: number[][] = partitions.map(() => []);
  for (let i = 0; i < batch.count; i++) members[partitionOf[i]].push(i);
  return partitions.flatMap((value, p) => {
    const indexes = members[p];
    if (indexes.length === 0) return [];
    const part = indexes.length === batch.count ? { ...batch, firstSeq: sequenceNumberAt(batch, 0), lastSeq: sequenceNumberAt(batch, batch.count - 1) } : subBatch(batch, indexes);
    return [{ key: keyOf(s, shardId, part.firstSeq, part.lastSeq, partitionParts(value)), batch: part }];
  });
}

/** At most this many objects of one batch are written at once. */
export const OBJECT_WRITES_AT_ONCE = 8;

/**
 * Writes every object with `write`, {@link OBJECT_WRITES_AT_ONCE} at a time, and resolves with the
 * location to report: the first one, and how many more; rejects with the first failure once the
 * writes under way have settled.
 */
export async function writeObjects(objects: readonly BatchObject[], write: (o: BatchObject) => Promise<string>): Promise<string> {
  const locations = new Array<string>(objects.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < objects.length) {
      const k = next++;
      try {
        locations[k] = await write(objects[k]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(OBJECT_WRITES_AT_ONCE, objects.length) }, worker));
  if (failure) throw failure.error;
  if (locations.length === 0) return '(no object: no record of the batch was kept)';
  return locations.length === 1 ? locations[0] : `${locations[0]} (+${locations.length - 1} more)`;
}
