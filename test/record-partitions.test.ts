// The partition of each kept output, computed in the pool's runner: from the model the transform
// returned (or the raw record as JSON), with each record's own arrival time; merged on bisection.
import test from 'ava';
import type { Partitioning, TransformResult } from '../src/core/records.js';
import { parseKeyTemplate } from '../src/emitters/key-template.js';
import { mergeHalves } from '../src/transform/merge-results.js';
import { packWindow, sliceWindow } from '../src/transform/record-window.js';
import { TransformRunner } from '../src/transform/transform-runner.js';
import { runnerFor } from './helpers/transform-source.js';

const MIDNIGHT = Date.UTC(2025, 0, 1);

function partitioning(key: string, fieldDefault = '_unknown'): Partitioning {
  return { parts: parseKeyTemplate(key).recordParts, fieldDefault };
}

function window(values: string[], arrivals: number[], p: Partitioning) {
  return {
    ...packWindow('shardId-000000000001', values.map((v, i) => ({ data: Buffer.from(v), sequenceNumber: String(100 + i), partitionKey: 'k', arrival: arrivals[i] }))),
    partitioning: p,
  };
}

/** The partition value of each kept output. */
const perOutput = (r: TransformResult) => [...r.partitionOf!].map((p) => r.partitions![p]);

const MODULE = `
  export function toRecord(data) { const m = JSON.parse(data.toString()); if (m.boom) throw new Error('boom'); return m; }
  export function keepRecord(m) { return !m.drop; }
  export function fromRecord(m) { return { ...m, type: 'rewritten' }; }`;

test('a module: the partition comes from the model toRecord returned, with each record\'s arrival across midnight UTC', async (t) => {
  const runner = await runnerFor(t, MODULE);
  const values = ['{"type":"click"}', '{"type":"view"}', '{"type":"click","drop":true}', '{"boom":1}', '{"type":"../x"}', '{"type":{"a":1}}', '{"type":"click"}'];
  const arrivals = [MIDNIGHT - 2, MIDNIGHT - 1, MIDNIGHT, MIDNIGHT, MIDNIGHT + 1, MIDNIGHT + 2, MIDNIGHT + 3];
  const r = await runner.run(window(values, arrivals, partitioning('type={field:type}/dt={arrival:yyyy-MM-dd}/{shardId}/{firstSeq}')));
  t.deepEqual([...r.keptIndex], [0, 1, 4, 5, 6]);
  t.is(r.failures.length, 1);
  t.deepEqual(perOutput(r), ['click|2024-12-31', 'view|2024-12-31', '..%2Fx|2025-01-01', '_unknown|2025-01-01', 'click|2025-01-01']);
  t.is(r.partitions!.length, 5, 'each distinct value once');
});

test('the default template: arrival days only, one value per day', async (t) => {
  const runner = await TransformRunner.load(undefined);
  const arrivals = [MIDNIGHT - 5, MIDNIGHT - 4, MIDNIGHT + 4, MIDNIGHT + 5, MIDNIGHT - 3];
  const r = await runner.run(window(['a', 'b', 'c', 'd', 'e'], arrivals, partitioning('{arrival:yyyy}/{arrival:MM}/{arrival:dd}/{shardId}/{firstSeq}-{lastSeq}')));
  t.deepEqual(r.partitions, ['2024|12|31', '2025|01|01']);
  t.deepEqual([...r.partitionOf!], [0, 0, 1, 1, 0]);
});

test('raw records without a module: fields from JSON, defaults for what is not JSON; unknown arrival dated by the transform', async (t) => {
  const runner = await TransformRunner.load(undefined);
  const before = Date.now();
  const r = await runner.run(window(['{"user":{"id":"u/1"}}', 'not json', '{"user":{"id":""}}', '{"user":{"id":7}}'], [NaN, NaN, NaN, NaN],
    partitioning('u={field:user.id}/{arrival:yyyy}/{shardId}/{firstSeq}', 'none')));
  const year = String(new Date(before).getUTCFullYear());
  t.deepEqual(perOutput(r), [`u%2F1|${year}`, `none|${year}`, `none|${year}`, `7|${year}`]);
});

test('a window without partitioning answers without partitions', async (t) => {
  const runner = await runnerFor(t, MODULE);
  const { partitioning: _, ...plain } = window(['{"type":"a"}'], [MIDNIGHT], partitioning('{field:type}/{shardId}/{firstSeq}'));
  const r = await runner.run(plain);
  t.is(r.partitions, undefined);
  t.is(r.partitionOf, undefined);
});

test('bisection: the halves\' dictionaries merge into the whole window\'s', async (t) => {
  const runner = await runnerFor(t, MODULE);
  const values = ['{"type":"a"}', '{"type":"b"}', '{"type":"c"}', '{"type":"b","drop":true}', '{"type":"a"}', '{"type":"d"}', '{"type":"c"}'];
  const w = window(values, values.map(() => MIDNIGHT), partitioning('{field:type}/{shardId}/{firstSeq}'));
  const whole = await runner.run(sliceWindow(w, 0, 7));
  const merged = mergeHalves(await runner.run(sliceWindow(w, 0, 3)), await runner.run(sliceWindow(w, 3, 7)), 3, w);
  t.deepEqual(perOutput(merged), perOutput(whole));
  t.deepEqual(perOutput(merged), ['a', 'b', 'c', 'a', 'd', 'c']);
  t.deepEqual(merged.partitions, ['a', 'b', 'c', 'd']);
  t.deepEqual([...merged.keptIndex], [...whole.keptIndex]);
});
