/** `bench --from <file>`: the sample as the lines of an NDJSON file (blank lines skipped). */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConnectorError } from '../../core/errors.js';
import type { SourceRecord } from '../../core/records.js';
import { cycleTo, type Sample } from './sample.js';

export async function readFileSample(file: string, n: number): Promise<Sample> {
  const path = resolve(file);
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch (err) {
    throw new ConnectorError(`the sample file ${path} could not be read: ${(err as Error).message}`, { code: 'SAMPLE_UNREADABLE', cause: err });
  }
  const read: SourceRecord[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(0x0a, start);
    if (end === -1) end = text.length;
    let line = text.subarray(start, end);
    if (line.at(-1) === 0x0d) line = line.subarray(0, -1);
    if (line.some((b) => b !== 0x20 && b !== 0x09)) {
      read.push({ data: line, sequenceNumber: String(read.length + 1), partitionKey: `line-${read.length + 1}`, arrival: NaN });
    }
    start = end + 1;
  }
  if (read.length === 0) throw new ConnectorError(`the sample file ${path} holds no records (no line that is not blank)`, { code: 'SAMPLE_EMPTY' });
  return { source: { type: 'file', path }, read: read.length, records: cycleTo(read, n) };
}
