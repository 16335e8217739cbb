// Untransformed records and transform.rawFraming: every record is one line that turns back into it.
import test from 'ava';
import { DEFAULTS } from '../src/config/config.js';
import type { RawFraming } from '../src/transform/raw-framing.js';
import { unframeRaw } from '../src/transform/raw-framing.js';
import { packWindow } from '../src/transform/record-window.js';
import { TransformRunner } from '../src/transform/transform-runner.js';
import { outputBytes } from '../src/core/records.js';

const RECORDS = [
  Buffer.from('{"id":1}'),
  Buffer.from('two\nlines'),
  Buffer.from('ends with a newline\n'),
  Buffer.from('carriage\rreturn'),
  Buffer.from('\n'),
  Buffer.from(''),
  Buffer.from('base64:looks framed but is not'),
  Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x80]),
  Buffer.from('héllo wörld ✓'),
];

function window(records: Buffer[], rawFraming?: RawFraming) {
  const w = packWindow('shardId-000000000001', records.map((data, i) => ({ data, sequenceNumber: String(10 + i), partitionKey: 'pk', arrival: NaN })));
  return rawFraming === undefined ? w : { ...w, rawFraming };
}

test('"lines" (the default): plain UTF-8 lines as they are, anything else marked base64; all records come back', async (t) => {
  t.is(DEFAULTS.transform.rawFraming, 'lines');
  const r = await (await TransformRunner.load(undefined)).run(window(RECORDS, 'lines'));
  const text = outputBytes(r).toString('latin1');
  const lines = text.slice(0, -1).split('\n');
  t.is(lines.length, RECORDS.length, 'one line per record');
  t.deepEqual(lines.slice(0, 1), ['{"id":1}']);
  t.is(lines[5], '');
  t.is(lines[1], `base64:${RECORDS[1].toString('base64')}`);
  t.is(lines[6], `base64:${RECORDS[6].toString('base64')}`, 'a record that begins with the mark is marked too');
  t.true(lines[7].startsWith('base64:'), 'not UTF-8');
  t.is(Buffer.from(lines[8], 'latin1').toString('utf8'), 'héllo wörld ✓', 'UTF-8 without a newline as it is');
  t.deepEqual(unframeRaw(outputBytes(r), 'lines'), RECORDS);
  t.deepEqual(Array.from(r.keptIndex), RECORDS.map((_, i) => i));
  t.is(r.offsets.length, RECORDS.length + 1);
});

test('"base64": every record base64, one per line', async (t) => {
  const r = await (await TransformRunner.load(undefined)).run(window(RECORDS, 'base64'));
  const lines = outputBytes(r).toString('latin1').slice(0, -1).split('\n');
  t.deepEqual(lines, RECORDS.map((b) => b.toString('base64')));
  t.deepEqual(unframeRaw(outputBytes(r), 'base64'), RECORDS);
});

test('no framing asked (an emitter that stores each record on its own): the bytes as they are', async (t) => {
  const r = await (await TransformRunner.load(undefined)).run(window(RECORDS));
  const data = outputBytes(r);
  RECORDS.forEach((rec, i) => t.deepEqual(data.subarray(r.offsets[i], r.offsets[i + 1]), Buffer.concat([rec, Buffer.from('\n')])));
});
