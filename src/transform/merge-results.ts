/** Putting the results of a bisected window's parts back together as the window's one result. */
import { outputBytes, type RecordWindow, type TransformResult, type WindowKeys } from '../core/records.js';

/**
 * The result for a window from the results of its two halves, records `0 .. split` and
 * `split .. n`: outputs in order, kept indexes and failures re-based onto the window, filtered
 * summed; the window's own packed keys go back with it.
 */
export function mergeHalves(left: TransformResult, right: TransformResult, split: number, keys: WindowKeys): TransformResult {
  const leftBytes = outputBytes(left);
  const rightBytes = outputBytes(right);
  const data = new Uint8Array(leftBytes.byteLength + rightBytes.byteLength);
  data.set(leftBytes, 0);
  data.set(rightBytes, leftBytes.byteLength);
  const leftOutputs = left.offsets.length - 1;
  const offsets = new Uint32Array(leftOutputs + right.offsets.length);
  offsets.set(left.offsets, 0);
  for (let j = 1; j < right.offsets.length; j++) offsets[leftOutputs + j] = right.offsets[j] + leftBytes.byteLength;
  const keptIndex = new Uint32Array(left.keptIndex.length + right.keptIndex.length);
  keptIndex.set(left.keptIndex, 0);
  for (let j = 0; j < right.keptIndex.length; j++) keptIndex[left.keptIndex.length + j] = right.keptIndex[j] + split;
  return {
    data: data.buffer,
    offsets,
    keptIndex,
    filtered: left.filtered + right.filtered,
    failures: [...left.failures, ...right.failures.map((f) => ({ ...f, index: f.index + split }))],
    keys: keys.keys,
    keyOffsets: keys.keyOffsets,
    arrivals: keys.arrivals,
    ...mergePartitions(left, right),
  };
}

/** One dictionary of partitions for both halves: the left's as it is, the right's values added once, its indexes mapped. */
function mergePartitions(left: TransformResult, right: TransformResult): Pick<TransformResult, 'partitions' | 'partitionOf'> {
  if (left.partitions === undefined && right.partitions === undefined) return {};
  const partitions = [...left.partitions ?? []];
  const index = new Map(partitions.map((v, i) => [v, i]));
  const remap = (right.partitions ?? []).map((v) => {
    let i = index.get(v);
    if (i === undefined) {
      i = partitions.push(v) - 1;
      index.set(v, i);
    }
    return i;
  });
  const leftOf = left.partitionOf ?? new Uint32Array(0);
  const rightOf = right.partitionOf ?? new Uint32Array(0);
  const partitionOf = new Uint32Array(leftOf.length + rightOf.length);
  partitionOf.set(leftOf, 0);
  for (let j = 0; j < rightOf.length; j++) partitionOf[leftOf.length + j] = remap[rightOf[j]];
  return { partitions, partitionOf };
}

/** The result for a one-record window whose record stopped or killed its thread: that record failed. */
export function isolatedFailure(w: RecordWindow, error: Error): TransformResult {
  const dataBase64 = Buffer.from(w.data, w.offsets[0], w.offsets[1] - w.offsets[0]).toString('base64');
  return {
    data: new ArrayBuffer(0),
    offsets: new Uint32Array(1),
    keptIndex: new Uint32Array(0),
    filtered: 0,
    failures: [{ index: 0, dataBase64, error: { name: error.name, message: error.message } }],
    keys: w.keys,
    keyOffsets: w.keyOffsets,
    arrivals: w.arrivals,
    ...(w.partitioning === undefined ? {} : { partitions: [], partitionOf: new Uint32Array(0) }),
  };
}
