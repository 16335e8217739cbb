// The transform of `--hang-fault`: passes every record through as it is, except one marked
// `"hang":true`, on which it never returns (a transform stuck in a loop). Until the pipeline can
// set such a record aside (window bisection, in progress elsewhere), its shard cannot get past it.
export function toRecord(data: Buffer): Buffer {
  if (data.includes('"hang":true')) while (true);
  return data;
}
