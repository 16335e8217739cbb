import test from 'ava';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileShardSource } from '../src/sources/file-shard-source.js';
import { SHARD_END } from '../src/core/sequence.js';
import type { RecordSpans } from '../src/core/records.js';
import { spanPartitionKey, spanSequenceNumber } from '../src/core/record-spans.js';
import { replayFiles } from './helpers/pipeline-options.js';

async function tempDir(t: import('ava').ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kc-files-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function readAll(source: FileShardSource, shardId: string, startAt: Parameters<FileShardSource['openReader']>[1]) {
  const reader = source.openReader(shardId, startAt);
  const out: Array<[string, string]> = [];
  for (;;) {
    const r = await reader.read();
    for (const rec of r.records) out.push([rec.sequenceNumber, Buffer.from(rec.data).toString()]);
    if (r.ended) return out;
  }
}

test('FileShardSource: a line per record, numbered, across chunk boundaries, resumable', async (t) => {
  const dir = await tempDir(t);
  const long = 'x'.repeat(700_000); // two of these straddle the 1 MiB read chunk
  await writeFile(join(dir, 'shard-a.ndjson'), `one\n${long}\n${long}\nlast`);
  await writeFile(join(dir, 'ignored.bin'), 'nope');
  const source = new FileShardSource({ dir, maxRecordsPerCall: 2 });
  t.deepEqual(await source.listShards(), [{ shardId: 'shard-a', closed: true }]);
  const all = await readAll(source, 'shard-a', { type: 'TRIM_HORIZON' });
  t.deepEqual(all.map(([seq]) => seq), ['1', '2', '3', '4']);
  t.is(all[0][1], 'one');
  t.is(all[1][1], long);
  t.is(all[2][1], long);
  t.is(all[3][1], 'last');
  t.deepEqual(await readAll(source, 'shard-a', { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '3' }), [['4', 'last']]);
  t.deepEqual((await readAll(source, 'shard-a', { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '3', subSequenceNumber: 0 })).map(([seq]) => seq), ['3', '4'], 'AT a line starts with it');
  t.deepEqual(await readAll(source, 'shard-a', { type: 'LATEST' }), []);
  await t.throwsAsync(readAll(source, 'shard-b', { type: 'TRIM_HORIZON' }), { message: /no replay file for shard shard-b/ });
});

test('FileShardSource reads lines as spans: numbers past one digit, empty lines, a final newline, reads of at most 8 MiB', async (t) => {
  const dir = await tempDir(t);
  const lines = Array.from({ length: 12_345 }, (_, i) => (i % 1000 === 7 ? '' : `{"i":${i}}`));
  await writeFile(join(dir, 'shard-n.ndjson'), `${lines.join('\n')}\n`);
  const source = new FileShardSource({ dir, maxRecordsPerCall: 5000 });
  const all = await readAll(source, 'shard-n', { type: 'TRIM_HORIZON' });
  t.deepEqual(all.map(([seq]) => seq), lines.map((_, i) => String(i + 1)), 'line numbers, with no record after the final newline');
  t.deepEqual(all.map(([, data]) => data), lines);
  const reader = source.openReader('shard-n', { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '9999' });
  const raw = await reader.readRaw!();
  const records = raw.records as RecordSpans;
  t.is(records.length, 2346);
  t.deepEqual([spanSequenceNumber(records, 0), spanPartitionKey(records, 0), spanSequenceNumber(records, 2345), spanPartitionKey(records, 2345)], ['10000', 'shard-n', '12345', 'shard-n']);
  t.true(raw.ended);

  const mb = 'y'.repeat(1 << 20);
  await writeFile(join(dir, 'shard-m.ndjson'), Array.from({ length: 20 }, () => mb).join('\n'));
  const big = source.openReader('shard-m', { type: 'TRIM_HORIZON' });
  const sizes: number[] = [];
  for (let r = await big.read(); ; r = await big.read()) {
    sizes.push(r.records.length);
    t.true(r.records.every((x) => x.data.byteLength === mb.length));
    if (r.ended) break;
  }
  t.true(sizes.every((n) => n >= 1 && n <= 8), `a read holds at most 8 MiB: ${sizes.join(' ')}`);
  t.is(sizes.reduce((a, b) => a + b, 0), 20);
});

test('replaying files into the file emitter with file checkpoints: every line once, SHARD_END at the end', async (t) => {
  const dir = await tempDir(t);
  const n = 3000;
  const lines = (shard: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${shard}-${i}` }));
  const replay = () => replayFiles(dir, { s0: lines('s0'), s1: lines('s1') }, {
    buffer: { maxRecords: 1000, maxBytes: 1 << 20, maxAgeMs: 100 },
    emitter: { type: 'file', dir: join(dir, 'out'), prefix: 'replay/' },
  });
  const { stats, checkpoints } = await replay();
  t.is(stats.recordsEmitted, 2 * n);
  t.deepEqual(checkpoints, { 'replay:checkpoint:files:s0': SHARD_END, 'replay:checkpoint:files:s1': SHARD_END });
  const ids = new Map<string, number>();
  for (const shard of ['s0', 's1']) {
    const [day] = await readdir(join(dir, 'out', 'replay'));
    const base = join(dir, 'out', 'replay', day);
    const [month] = await readdir(base);
    const [date] = await readdir(join(base, month));
    const files = await readdir(join(base, month, date, shard));
    t.true(files.every((f) => /^\d+-\d+$/.test(f)), `no temporary files left: ${files.join(',')}`);
    for (const f of files) {
      const lines = (await readFile(join(base, month, date, shard, f), 'utf8')).trimEnd().split('\n');
      for (const l of lines) {
        const id = (JSON.parse(l) as { id: string }).id;
        ids.set(id, (ids.get(id) ?? 0) + 1);
      }
    }
  }
  t.is(ids.size, 2 * n);
  t.true([...ids.values()].every((c) => c === 1));

  // A second run over the same files starts after SHARD_END: nothing is read again.
  const { stats: second } = await replay();
  t.is(second.recordsRead, 0);
  t.is(second.shards.finished, 2);
});
