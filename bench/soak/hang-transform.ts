// The transform of `--hang-fault`: passes every record through as it is, except one marked
// `"hang":true`, on which it never returns (a transform stuck in a loop). The pool relay bisects its
// window down to that record, which goes to the dead-letter sink; the shard moves on.
export function toRecord(data: Buffer): Buffer {
  if (data.includes('"hang":true')) while (true);
  return data;
}
