/**
 * Where records whose transform threw go (`deadLetter.dir` or `deadLetter.s3`): what every sink
 * takes, and the NDJSON lines they all write. A write resolves only once the entries are stored, so
 * a checkpoint never passes a poison record that was not stored.
 */

export interface DeadLetterEntry {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  dataBase64: string;
  error: { name: string; message: string; stack?: string };
  failedAt: string;
}

export interface DeadLetterSink {
  /** Stores the failures of one window of `shardId` (in sequence order); rejects when they were not stored. */
  write(shardId: string, entries: DeadLetterEntry[]): Promise<void>;
  /** Where the dead letters of `shardId` go, for log lines (a file, or an `s3://bucket/prefix`). */
  location(shardId: string): string;
  close(): Promise<void>;
}

/** One JSON line per entry, each ending in a newline. */
export function deadLetterLines(entries: DeadLetterEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join('\n') + '\n';
}
