// The default template end to end without threads: a window whose records arrive on both sides of
// midnight UTC goes through the runner (partitions by arrival day), the buffer (one batch) and the
// file emitter: two files, each in the day of its records, every record once.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBuffer } from '../src/actors/record-buffer.js';
import { FileEmitter } from '../src/emitters/file/file-emitter.js';
import { DEFAULT_KEY_TEMPLATE, parseKeyTemplate } from '../src/emitters/key-template.js';
import { packWindow } from '../src/transform/record-window.js';
import { TransformRunner } from '../src/transform/transform-runner.js';
import { filesUnder } from './helpers/files-under.js';

test('a batch across midnight UTC is two objects, each in the day its records arrived', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-midnight-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const midnight = Date.UTC(2025, 2, 1);
  const arrivals = [midnight - 1500, midnight - 1, midnight, midnight + 10, midnight - 2];
  const window = {
    ...packWindow('shardId-000000000003', arrivals.map((arrival, i) => ({ data: Buffer.from(`r${i}`), sequenceNumber: String(41 + i), partitionKey: 'k', arrival }))),
    partitioning: { parts: parseKeyTemplate(DEFAULT_KEY_TEMPLATE).recordParts, fieldDefault: '_unknown' },
  };
  const result = await (await TransformRunner.load(undefined)).run(window);
  const buffer = new RecordBuffer({ maxRecords: 100, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  t.deepEqual(buffer.add('shardId-000000000003', result), []);
  const batch = buffer.flush('shardId-000000000003')!;
  t.deepEqual([batch.firstSeq, batch.lastSeq, batch.count], ['41', '45', 5]);
  const { location } = await new FileEmitter({ dir }).emit(batch);
  t.is(location, `${join(dir, '2025', '02', '28', 'shardId-000000000003', '41-45')} (+1 more)`);
  t.deepEqual(await filesUnder(dir), ['2025/02/28/shardId-000000000003/41-45', '2025/03/01/shardId-000000000003/43-44']);
  t.is(await readFile(join(dir, '2025/02/28/shardId-000000000003/41-45'), 'utf8'), 'r0\nr1\nr4\n');
  t.is(await readFile(join(dir, '2025/03/01/shardId-000000000003/43-44'), 'utf8'), 'r2\nr3\n');
});
