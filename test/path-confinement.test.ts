// Shard ids and sequence numbers never choose where files go: sources refuse bad shard ids, and
// every path and key the project writes stays under its folder or prefix.
import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDeadLetterSink } from '../src/actors/file-dead-letter-sink.js';
import { confinedKey, confinedPath } from '../src/core/confined-path.js';
import { isShardId } from '../src/core/shard-id.js';
import { batchKey } from '../src/emitters/emitter.js';
import { FileEmitter } from '../src/emitters/file/file-emitter.js';
import { manifestKey } from '../src/emitters/redshift/redshift-manifest-emitter.js';
import { FileShardSource } from '../src/sources/file-shard-source.js';
import { makeBatch, seqs } from './helpers/emitter-batch.js';
import { filesUnder } from './helpers/files-under.js';


const HOSTILE = ['../../x', 'a/b', '', 'a'.repeat(200), '..', '.', '/etc/passwd', 'a\0b', 'shard id', 'é'];

test('isShardId: what Kinesis issues and its API allows; nothing that can name another folder', (t) => {
  for (const ok of ['shardId-000000000000', 'shardId-000000000017', 'a', 'A.b_c-9', '...', 'x'.repeat(128)]) t.true(isShardId(ok), ok);
  for (const bad of [...HOSTILE, 'x'.repeat(129), undefined, null, 7]) t.false(isShardId(bad), String(bad));
});

test('confinedPath: inside the folder or a non-retriable error naming the path', (t) => {
  const root = join(tmpdir(), 'kc-confined');
  t.is(confinedPath(root, 'a', 'b.ndjson'), join(root, 'a', 'b.ndjson'));
  t.is(confinedPath(root, 'a/../b'), join(root, 'b'));
  for (const parts of [['../x'], ['a', '../../x'], ['/etc/passwd'], [''], ['.'], ['a\0b']]) {
    const err = t.throws(() => confinedPath(root, ...parts), undefined, parts.join(','));
    t.like(err, { code: 'PATH_ESCAPE', retriable: false });
    t.true(err.message.includes(JSON.stringify(parts.join('/'))), err.message);
  }
});

test('confinedKey, batchKey and manifestKey: no ".." or "/" from a shard id or a sequence number', (t) => {
  t.is(confinedKey('clicks/', '2024', 'x'), 'clicks/2024/x');
  t.throws(() => confinedKey('/abs/', 'x'), { code: 'PATH_ESCAPE' });
  t.throws(() => confinedKey('a/../', 'x'), { code: 'PATH_ESCAPE' });
  const batch = makeBatch(['{}'], seqs(1));
  t.is(batchKey('p/', batch, true), `p/2024/05/17/shardId-000000000000/${batch.firstSeq}-${batch.lastSeq}.gz`);
  t.is(manifestKey('p/', batch), `p/manifests/shardId-000000000000/${batch.firstSeq}-${batch.lastSeq}.manifest`);
  for (const shardId of HOSTILE) {
    const bad = { ...batch, shardId };
    t.like(t.throws(() => batchKey('p/', bad, false)), { code: 'BAD_SHARD_ID', retriable: false });
    const err = t.throws(() => manifestKey('p/', bad));
    t.true(err.message.includes(JSON.stringify(shardId)), err.message);
  }
  t.like(t.throws(() => batchKey('p/', { ...batch, firstSeq: '../../../x' }, false)), { code: 'PATH_ESCAPE', retriable: false });
  t.like(t.throws(() => manifestKey('p/', { ...batch, lastSeq: '1/2' })), { code: 'PATH_ESCAPE' });
});

test('dead-letter sink and file emitter: a hostile shard id or sequence number writes nothing anywhere', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'kc-confine-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const deadLetterDir = join(root, 'a', 'b', 'dead-letter');
  const outputDir = join(root, 'a', 'b', 'output');
  const sink = new FileDeadLetterSink(deadLetterDir);
  const emitter = new FileEmitter({ dir: outputDir });
  const entry = { sequenceNumber: '1', partitionKey: 'k', dataBase64: 'eA==', error: { name: 'Error', message: 'x' }, failedAt: new Date(0).toISOString() };
  for (const shardId of HOSTILE) {
    const dl = await t.throwsAsync(sink.write(shardId, [{ ...entry, shardId }]), undefined, shardId);
    t.like(dl, { code: 'BAD_SHARD_ID', retriable: false });
    t.true(dl.message.includes(JSON.stringify(shardId)), dl.message);
    const em = await t.throwsAsync(emitter.emit(makeBatch(['{}'], seqs(1), { shardId })));
    t.like(em, { name: 'EmitError', retriable: false });
    t.true(em.message.includes(JSON.stringify(shardId)), em.message);
  }
  const escaping = makeBatch(['{}'], seqs(1));
  await t.throwsAsync(emitter.emit({ ...escaping, firstSeq: '../../../../escaped' }), { code: 'PATH_ESCAPE' });
  t.deepEqual(await filesUnder(root), [], 'no file written, inside the folders or out of them');

  // Good ids still work.
  await sink.write('shardId-000000000001', [{ ...entry, shardId: 'shardId-000000000001' }]);
  await emitter.emit(escaping);
  const files = await filesUnder(root);
  t.is(files.length, 2);
  t.true(files.every((f) => f.startsWith('a/b/dead-letter/') || f.startsWith('a/b/output/')), files.join(', '));
});

test('file source: a replay file whose name is not a shard id fails the listing, naming it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-replay-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'shardId-000000000000.ndjson'), '{"a":1}\n');
  t.deepEqual((await new FileShardSource({ dir }).listShards()).map((s) => s.shardId), ['shardId-000000000000']);
  for (const name of ['my shard.ndjson', '...ndjson', 'é.jsonl']) {
    await writeFile(join(dir, name), '{}\n');
    const err = await t.throwsAsync(new FileShardSource({ dir }).listShards());
    t.like(err, { code: 'BAD_SHARD_ID', retriable: false });
    t.true(err.message.includes(JSON.stringify(name)), err.message);
    await rm(join(dir, name));
  }
  await mkdir(join(dir, 'sub'));
  t.is((await new FileShardSource({ dir }).listShards()).length, 1);
});
