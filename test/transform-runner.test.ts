import test from 'ava';
import { packWindow } from '../src/transform/record-window.js';
import { outputBytes } from '../src/core/records.js';
import { runnerFor } from './helpers/transform-source.js';

function window(values: string[]) {
  return packWindow('shardId-000000000007', values.map((v, i) => ({
    data: Buffer.from(v), sequenceNumber: String(100 + i), partitionKey: `pk-${i}`, arrival: 1_700_000_000_000 + i,
  })));
}

function outputs(r: { data: ArrayBuffer; offsets: Uint32Array }): string[] {
  const text = outputBytes(r).toString();
  return Array.from({ length: r.offsets.length - 1 }, (_, i) => text.slice(r.offsets[i], r.offsets[i + 1]));
}

test('every kind of fromRecord output becomes exactly one line, offsets matching kept records', async (t) => {
  const runner = await runnerFor(t, `
    export function toRecord(data) { return JSON.parse(data.toString()); }
    export function keepRecord(m) { return m.kind !== 'drop'; }
    export function fromRecord(m) {
      if (m.kind === 'object') return { v: m.v };
      if (m.kind === 'number') return m.v;
      if (m.kind === 'bytes') return Buffer.from('b' + m.v);
      if (m.kind === 'async') return Promise.resolve('a' + m.v);
      return 's' + m.v;
    }`);
  const r = await runner.run(window([
    '{"kind":"object","v":1}', '{"kind":"drop","v":2}', '{"kind":"number","v":3}', '{"kind":"bytes","v":4}',
    '{"kind":"string","v":5}', '{"kind":"async","v":6}', '{"kind":"object","v":7}',
  ]));
  t.deepEqual(outputs(r), ['{"v":1}\n', '3\n', 'b4\n', 's5\n', 'a6\n', '{"v":7}\n']);
  t.deepEqual([...r.keptIndex], [0, 2, 3, 4, 5, 6]);
  t.is(r.filtered, 1);
  t.deepEqual(r.failures, []);
});

test('a module with only toRecord returning objects writes JSON lines', async (t) => {
  const runner = await runnerFor(t, `export function toRecord(data) { return { n: Number(data.toString()) * 2 }; }`);
  const r = await runner.run(window(['1', '2', '3']));
  t.deepEqual(outputs(r), ['{"n":2}\n', '{"n":4}\n', '{"n":6}\n']);
});

test('meta carries shard, sequence number, partition key and arrival time', async (t) => {
  const runner = await runnerFor(t, `export function fromRecord(m, meta) { return JSON.stringify(meta); }`);
  const r = await runner.run(window(['x', 'y']));
  t.deepEqual(outputs(r).map((l) => JSON.parse(l)), [
    { shardId: 'shardId-000000000007', sequenceNumber: '100', partitionKey: 'pk-0', approximateArrivalTimestamp: 1_700_000_000_000 },
    { shardId: 'shardId-000000000007', sequenceNumber: '101', partitionKey: 'pk-1', approximateArrivalTimestamp: 1_700_000_000_001 },
  ]);
});

test('a throwing record is reported with its bytes and error; the others go on', async (t) => {
  const runner = await runnerFor(t, `export function toRecord(d) { if (d.toString() === 'bad') throw new SyntaxError('nope'); return d; }`);
  const r = await runner.run(window(['ok1', 'bad', 'ok2']));
  t.deepEqual(outputs(r), ['ok1\n', 'ok2\n']);
  t.deepEqual([...r.keptIndex], [0, 2]);
  t.is(r.failures.length, 1);
  t.is(r.failures[0].index, 1);
  t.is(Buffer.from(r.failures[0].dataBase64, 'base64').toString(), 'bad');
  t.is(r.failures[0].error.name, 'SyntaxError');
  t.is(r.failures[0].error.message, 'nope');
});
