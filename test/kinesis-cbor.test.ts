// GetRecords in CBOR against the real kinesalite: the same records, errors and shard ends as the
// SDK's JSON, and clear errors for an endpoint that is down or answers something else.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import kinesalite from 'kinesalite';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { createStream } from '../src/aws/create-stream.js';
import { KinesisCborClient } from '../src/aws/kinesis-cbor-client.js';
import { isRetriable } from '../src/core/errors.js';
import type { SourceRecord } from '../src/core/records.js';
import { closeServer, listenOnLoopback } from '../src/local/listen.js';
import { KinesisShardSource } from '../src/sources/kinesis-shard-source.js';
import type { ReadResult } from '../src/sources/shard-source.js';
import { startEnv, uniqueName, type Env } from './helpers/components.js';
import { captureLogger } from './helpers/pipeline-options.js';
import { openIterator, sealIterator } from './helpers/kinesalite-iterator.js';

const SHARD = 'shardId-000000000000';
let env: Env;
let cbor: KinesisCborClient;
test.before(async () => {
  env = await startEnv();
  cbor = new KinesisCborClient({ region: 'us-east-1', endpoint: env.kinesis.endpoint, credentials: env.kinesisClient.config.credentials });
});
test.after.always(async () => {
  cbor?.destroy();
  await env?.close();
});

/** Records no protocol may bend: bytes that are not UTF-8, a 1-byte record, a 900 KB one, non-ASCII keys. */
function awkwardRecords(): Array<{ Data: Uint8Array; PartitionKey: string }> {
  return [
    { Data: Uint8Array.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0xed, 0xa0, 0x80]), PartitionKey: 'binaire-clé' },
    { Data: Uint8Array.from([0]), PartitionKey: 'ключ-🙂' },
    { Data: randomBytes(900 * 1024), PartitionKey: 'large' },
    { Data: Buffer.from('{"id":"plain"}'), PartitionKey: '鍵' },
    ...Array.from({ length: 20 }, (_, i) => ({ Data: randomBytes(1 + i * 37), PartitionKey: `k-${i}-ü` })),
  ];
}

async function putAll(client: KinesisClient, stream: string, records: Array<{ Data: Uint8Array; PartitionKey: string }>): Promise<void> {
  for (const r of records) {
    const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: [r] }));
    if (out.FailedRecordCount) throw new Error(`PutRecords failed: ${JSON.stringify(out.Records)}`);
  }
}

function source(stream: string, protocol: 'cbor' | 'json', client = env.kinesisClient, cborClient = cbor): KinesisShardSource {
  return new KinesisShardSource({ client, stream, logger: captureLogger(), maxRecordsPerCall: 5, cborClient: protocol === 'cbor' ? cborClient : undefined });
}

/** Reads a shard from TRIM_HORIZON until an empty answer, or its end; every answer kept. */
async function readShard(src: KinesisShardSource, shardId = SHARD): Promise<ReadResult[]> {
  const reader = src.openReader(shardId, { type: 'TRIM_HORIZON' });
  const pages: ReadResult[] = [];
  for (;;) {
    const page = await reader.read();
    pages.push(page);
    if (page.ended || page.records.length === 0) return pages;
  }
}

function plain(r: SourceRecord) {
  return { data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('hex'), sequenceNumber: r.sequenceNumber, partitionKey: r.partitionKey, arrival: r.arrival };
}

function samePages(t: import('ava').ExecutionContext, cborPages: ReadResult[], jsonPages: ReadResult[], sent: Array<{ Data: Uint8Array; PartitionKey: string }>) {
  t.deepEqual(cborPages.map((p) => [p.records.length, p.millisBehindLatest, p.ended]), jsonPages.map((p) => [p.records.length, p.millisBehindLatest, p.ended]),
    'the same answers: records per call, millisBehindLatest, ended');
  const viaCbor = cborPages.flatMap((p) => p.records.map(plain));
  const viaJson = jsonPages.flatMap((p) => p.records.map(plain));
  t.is(viaCbor.length, sent.length);
  t.deepEqual(viaCbor, viaJson, 'byte for byte the same records, sequence numbers, partition keys and arrival times (ms)');
  t.deepEqual(viaCbor.map((r) => [r.data, r.partitionKey]), sent.map((r) => [Buffer.from(r.Data).toString('hex'), r.PartitionKey]), 'the records sent');
  t.true(viaCbor.every((r) => Number.isInteger(r.arrival) && Math.abs(r.arrival - Date.now()) < 600_000), 'arrival times in ms, now-ish');
}

test.serial('the same records through both protocols, byte for byte: binary, tiny, 900 KB, non-ASCII keys; a split shard ends the same', async (t) => {
  const stream = uniqueName('cbor-same');
  await createStream(env.kinesisClient, stream, 1);
  const sent = awkwardRecords();
  await putAll(env.kinesisClient, stream, sent);

  samePages(t, await readShard(source(stream, 'cbor')), await readShard(source(stream, 'json')), sent);
  const cborRecord = (await readShard(source(stream, 'cbor')))[0].records[2];
  t.is(cborRecord.data.byteLength, 900 * 1024);
  t.true(cborRecord.data.buffer.byteLength > cborRecord.data.byteLength, 'CBOR record data is a view into the answer, not a copy');

  await env.kinesisClient.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: SHARD, NewStartingHashKey: (2n ** 127n).toString() }));
  const cborEnd = await readShard(source(stream, 'cbor'));
  const jsonEnd = await readShard(source(stream, 'json'));
  t.true(cborEnd[cborEnd.length - 1].ended, 'the closed shard ends through CBOR');
  t.true(jsonEnd[jsonEnd.length - 1].ended, 'and through JSON');
  t.deepEqual(cborEnd.map((p) => [p.records.length, p.ended]), jsonEnd.map((p) => [p.records.length, p.ended]));
});

/** A 1-shard stream of `big` 10-KB records then 30 of 10 bytes, read through each protocol: the records of each answer. */
async function answerSizes(big: number, maxBytesPerCall: number): Promise<Record<'cbor' | 'json', number[]>> {
  const stream = uniqueName('cbor-bytes');
  await createStream(env.kinesisClient, stream, 1);
  await putAll(env.kinesisClient, stream, [
    ...Array.from({ length: big }, (_, i) => ({ Data: randomBytes(10_000), PartitionKey: `big-${i}` })),
    ...Array.from({ length: 30 }, (_, i) => ({ Data: randomBytes(10), PartitionKey: `s-${i}` })),
  ]);
  const sizes = { cbor: [] as number[], json: [] as number[] };
  for (const protocol of ['cbor', 'json'] as const) {
    const src = new KinesisShardSource({ client: env.kinesisClient, stream, logger: captureLogger(), maxRecordsPerCall: 12, maxBytesPerCall,
      cborClient: protocol === 'cbor' ? cbor : undefined });
    sizes[protocol] = (await readShard(src)).map((p) => p.records.length);
  }
  return sizes;
}

test.serial('reader.maxBytesPerCall: after the first answer, each asks for as many records as fit the budget (both protocols); small records keep the full Limit', async (t) => {
  for (const [protocol, sizes] of Object.entries(await answerSizes(40, 40_000))) {
    // 12 records of 10 KB, then 40,000 / ~10,030 bytes a record = 3 at a time; the small records bring the Limit back to 12.
    t.deepEqual(sizes.slice(0, 11), [12, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], `${protocol}: ${sizes.join(' ')}`);
    t.true(sizes.slice(11).includes(12), `${protocol}: ${sizes.join(' ')}`);
    t.is(sizes[sizes.length - 1], 0);
    t.is(sizes.reduce((a, b) => a + b, 0), 70);
  }
});

test.serial('reader.maxBytesPerCall: a shard\'s first call takes records to be 1 KiB (budget / 1,024 records), then follows their size', async (t) => {
  for (const [protocol, sizes] of Object.entries(await answerSizes(10, 6000))) {
    // 6,000 / 1,024 = 5 records first; then 10 KB records, 1 at a time (never 0); the small ones bring it back to 12.
    t.deepEqual(sizes.slice(0, 6), [5, 1, 1, 1, 1, 1], `${protocol}: ${sizes.join(' ')}`);
    t.true(sizes.includes(12), `${protocol}: ${sizes.join(' ')}`);
    t.is(sizes.reduce((a, b) => a + b, 0), 40);
  }
});

// kinesalite's own CBOR cuts answers past ~32 KB (see src/local/kinesalite-cbor.ts): small records only.
test.serial('kinesalite on its own (record data as base64 text in CBOR) reads the same through CBOR', async (t) => {
  const server: Server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  const endpoint = `http://127.0.0.1:${await listenOnLoopback(server, 0, 'kinesalite')}`;
  const client = createKinesisClient({ region: 'us-east-1', endpoint });
  const cborClient = new KinesisCborClient({ region: 'us-east-1', endpoint, credentials: client.config.credentials });
  try {
    const stream = uniqueName('cbor-b64');
    await createStream(client, stream, 1);
    const sent = awkwardRecords().filter((r) => r.Data.byteLength < 1000);
    await putAll(client, stream, sent);
    samePages(t, await readShard(source(stream, 'cbor', client, cborClient)), await readShard(source(stream, 'json', client)), sent);
  } finally {
    cborClient.destroy();
    client.destroy();
    await closeServer(server);
  }
});

/** kinesalite's own iterator for `stream`'s first shard, made `ageMs` old (its format: AES-CBC of "time/stream/shard/seq/pad"). */
function agedIterator(iterator: string, ageMs: number, shardId = SHARD): string {
  const fields = openIterator(iterator);
  fields[0] = String(Date.now() - ageMs).padStart(14, '0');
  fields[2] = shardId;
  return sealIterator(iterator, fields);
}

async function failure(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

test.serial('expired, invalid and missing-shard iterators: the same error names (and retriability) through both', async (t) => {
  const stream = uniqueName('cbor-errors');
  await createStream(env.kinesisClient, stream, 1);
  const iterator = (await env.kinesisClient.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: SHARD, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
  const cases: Array<[string, string]> = [
    ['ExpiredIteratorException', agedIterator(iterator, 301_000)],
    ['InvalidArgumentException', 'AAAAAAAAAAEnotaniterator'],
    ['ResourceNotFoundException', agedIterator(iterator, 0, 'shardId-000000000007')],
  ];
  for (const [name, it] of cases) {
    const viaJson = await failure(env.kinesisClient.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10 })));
    const viaCbor = await failure(cbor.getRecords({ shardIterator: it, limit: 10, shardId: SHARD }));
    t.is(viaJson.name, name);
    t.is(viaCbor.name, name, `CBOR: ${viaCbor.message}`);
    t.is(viaCbor.$metadata?.httpStatusCode, viaJson.$metadata?.httpStatusCode);
    t.is(isRetriable(viaCbor), isRetriable(viaJson), `${name} is as retriable through both`);
    t.regex(viaCbor.message, new RegExp(`^GetRecords of ${SHARD} at ${env.kinesis.endpoint} failed: .+ \\(HTTP 400\\)$`));
  }
});

test.serial('an expired iterator is re-created by the reader after the last record read, through CBOR', async (t) => {
  const stream = uniqueName('cbor-expired');
  await createStream(env.kinesisClient, stream, 1);
  await putAll(env.kinesisClient, stream, awkwardRecords().slice(3, 10));
  const logger = captureLogger();
  const reader = new KinesisShardSource({ client: env.kinesisClient, stream, logger, maxRecordsPerCall: 3, cborClient: cbor }).openReader(SHARD, { type: 'TRIM_HORIZON' });
  const first = await reader.read();
  t.deepEqual(first.records.map((r) => r.partitionKey), ['鍵', 'k-0-ü', 'k-1-ü']);
  // The reader's iterator, aged past kinesalite's 5 minutes: the next read must start over after record 3.
  const state = reader as unknown as { iterator: string };
  state.iterator = agedIterator(state.iterator, 301_000);
  const second = await reader.read();
  t.deepEqual(second.records.map((r) => r.partitionKey), ['k-2-ü', 'k-3-ü', 'k-4-ü'], 'the records after the first three');
  t.true(logger.lines.some((l) => l.msg.startsWith('shard iterator expired')));
});

test.serial('an unreachable endpoint: a retriable error with its code, naming GetRecords, the shard and the endpoint', async (t) => {
  const closed = createServer();
  const port = await listenOnLoopback(closed, 0, 'a closed port');
  await closeServer(closed);
  const client = new KinesisCborClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const err = await failure(client.getRecords({ shardIterator: 'x', limit: 1, shardId: SHARD }));
  client.destroy();
  t.is(err.code, 'ECONNREFUSED');
  t.true(isRetriable(err));
  t.is(err.message, `GetRecords of ${SHARD} at http://127.0.0.1:${port} failed: connect ECONNREFUSED 127.0.0.1:${port}`);
});

/** A local server that answers every request with `answer`. */
async function answering(answer: (res: import('node:http').ServerResponse) => void): Promise<{ endpoint: string; client: KinesisCborClient; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  const endpoint = `http://127.0.0.1:${await listenOnLoopback(server, 0, 'a test server')}`;
  const client = new KinesisCborClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  return { endpoint, client, close: async () => { client.destroy(); await closeServer(server); } };
}

test.serial('an answer that is not CBOR (a proxy\'s HTML 502): a clear, retriable error naming GetRecords and HTTP 502', async (t) => {
  const proxy = await answering((res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
  });
  try {
    const err = await failure(proxy.client.getRecords({ shardIterator: 'x', limit: 1, shardId: SHARD }));
    t.is(err.name, 'UnreadableAnswerError');
    t.is(err.$metadata?.httpStatusCode, 502);
    t.true(isRetriable(err));
    t.regex(err.message, new RegExp(`^GetRecords of ${SHARD} at ${proxy.endpoint} answered HTTP 502 \\(text/html, 50 bytes\\) that is not a Kinesis answer: .*<html><body><h1>502 Bad Gateway`));
  } finally {
    await proxy.close();
  }
});

test.serial('a 200 whose CBOR is cut short, or whose body is shorter than its Content-Length: errors naming GetRecords, no crash', async (t) => {
  const cut = await answering((res) => {
    res.writeHead(200, { 'content-type': 'application/x-amz-cbor-1.1' });
    res.end(Buffer.from('a3724d696c6c6973426568696e644c617465737400714e657874', 'hex'));
  });
  const short = await answering((res) => {
    res.writeHead(200, { 'content-type': 'application/x-amz-cbor-1.1', 'content-length': '1000' });
    res.write(Buffer.from('a1', 'hex'));
    setTimeout(() => res.destroy(), 20);
  });
  try {
    const truncated = await failure(cut.client.getRecords({ shardIterator: 'x', limit: 1, shardId: SHARD }));
    t.is(truncated.name, 'UnreadableAnswerError');
    t.regex(truncated.message, /^GetRecords of shardId-000000000000 at .* answered HTTP 200 \(application\/x-amz-cbor-1\.1, 26 bytes\) that is not a Kinesis answer: CBOR does not decode/);
    const closed = await failure(short.client.getRecords({ shardIterator: 'x', limit: 1, shardId: SHARD }));
    t.is(closed.code, 'ECONNRESET');
    t.true(isRetriable(closed));
    t.regex(closed.message, /^GetRecords of shardId-000000000000 at .* failed: /);
  } finally {
    await cut.close();
    await short.close();
  }
});

test.serial('a call that gets no answer: a retriable TimeoutError after requestTimeoutMs; an abort rejects at once', async (t) => {
  const held: import('node:http').ServerResponse[] = [];
  const silent = createServer((req, res) => { req.resume(); held.push(res); });
  const endpoint = `http://127.0.0.1:${await listenOnLoopback(silent, 0, 'a silent server')}`;
  const client = new KinesisCborClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestTimeoutMs: 300 });
  try {
    const started = Date.now();
    const timedOut = await failure(client.getRecords({ shardIterator: 'x', limit: 1, shardId: SHARD }));
    t.is(timedOut.name, 'TimeoutError');
    t.true(isRetriable(timedOut));
    t.is(timedOut.message, `GetRecords of ${SHARD} at ${endpoint}: no answer for 300 ms`);
    t.true(Date.now() - started >= 280);

    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    const aborted = await failure(client.getRecords({ shardIterator: 'x', limit: 1, shardId: SHARD }, abort.signal));
    t.is(aborted.name, 'AbortError');
    t.false(isRetriable(aborted));
  } finally {
    client.destroy();
    for (const res of held) res.destroy();
    await closeServer(silent);
  }
});

test.serial('the request: CBOR of { ShardIterator, Limit } to POST /, and a SigV4 signature over what was sent (with a session token)', async (t) => {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@smithy/core/checksum');
  const { HttpRequest } = await import('@smithy/core/protocols');
  const { decode } = await import('cbor-x');
  const seen: Array<{ method?: string; url?: string; headers: import('node:http').IncomingHttpHeaders; body: Buffer }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-amz-cbor-1.1' });
      res.end(Buffer.from('a1724d696c6c6973426568696e644c617465737405', 'hex')); // { MillisBehindLatest: 5 }
    });
  });
  const port = await listenOnLoopback(server, 0, 'a recording server');
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'token-1' };
  const client = new KinesisCborClient({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, credentials });
  try {
    const out = await client.getRecords({ shardIterator: 'AAAA/iterator+=', limit: 123 });
    t.deepEqual(out, { records: [], nextShardIterator: undefined, millisBehindLatest: 5 });
    const [sent] = seen;
    t.is(sent.method, 'POST');
    t.is(sent.url, '/');
    t.is(sent.headers['content-type'], 'application/x-amz-cbor-1.1');
    t.is(sent.headers['x-amz-target'], 'Kinesis_20131202.GetRecords');
    t.is(sent.headers['x-amz-security-token'], 'token-1');
    t.deepEqual(decode(sent.body), { ShardIterator: 'AAAA/iterator+=', Limit: 123 });
    const auth = String(sent.headers.authorization);
    t.regex(auth, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/kinesis\/aws4_request, SignedHeaders=[^,]*\bhost\b[^,]*\bx-amz-target\b/);
    // Signing what arrived (headers as received, the body as received) at the same time gives the same signature.
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1].split(';');
    const headers = Object.fromEntries(signedHeaders.map((h) => [h, String(sent.headers[h])]));
    const amzDate = String(sent.headers['x-amz-date']);
    const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    const again = await new SignatureV4({ service: 'kinesis', region: 'eu-west-1', credentials, sha256: Sha256, uriEscapePath: true }).sign(
      new HttpRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/', headers, body: sent.body }), { signingDate });
    t.is(again.headers.authorization, auth);
  } finally {
    client.destroy();
    await closeServer(server);
  }
});

test.serial('ApproximateArrivalTimestamp as CBOR tag 1 in seconds, tag 1 in ms, or a plain number of seconds: ms since the epoch', async (t) => {
  const { encode, Tag } = await import('cbor-x');
  const ms = Date.UTC(2026, 10, 27, 2, 3, 4, 567);
  const record = (i: number, arrival: unknown) => ({ Data: Buffer.from([i]), SequenceNumber: String(i + 1), PartitionKey: `p${i}`, ApproximateArrivalTimestamp: arrival });
  const answer = encode({
    Records: [record(0, new Tag(ms / 1000, 1)), record(1, new Tag(ms, 1)), record(2, ms / 1000), record(3, new Date(ms)), record(4, undefined)],
    NextShardIterator: 'next', MillisBehindLatest: 42,
  });
  const server = await answering((res) => {
    res.writeHead(200, { 'content-type': 'application/x-amz-cbor-1.1' });
    res.end(answer);
  });
  try {
    const out = await server.client.getRecords({ shardIterator: 'x', limit: 5 });
    t.deepEqual(out.records.map((r) => r.arrival), [ms, ms, ms, ms, NaN]);
    t.deepEqual(out.records.map((r) => [...r.data]), [[0], [1], [2], [3], [4]]);
    t.is(out.nextShardIterator, 'next');
    t.is(out.millisBehindLatest, 42);
  } finally {
    await server.close();
  }
});

test.serial('an answer in many chunks, with its Content-Length or without one (chunked): every record whole', async (t) => {
  const { encode } = await import('cbor-x');
  const records = Array.from({ length: 300 }, (_, i) => ({ Data: randomBytes(200 + i), SequenceNumber: String(1000 + i), PartitionKey: `p${i}` }));
  const answer = Buffer.from(encode({ Records: records, NextShardIterator: 'next', MillisBehindLatest: 7 }));
  /** Writes the answer in pieces of 997 bytes, one per turn of the event loop, so they arrive as separate chunks. */
  const inPieces = (headers: Record<string, string>) => (res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/x-amz-cbor-1.1', ...headers });
    let at = 0;
    const next = () => {
      if (at >= answer.length) return res.end();
      res.write(answer.subarray(at, at + 997));
      at += 997;
      setImmediate(next);
    };
    next();
  };
  const announced = await answering(inPieces({ 'content-length': String(answer.length) }));
  const chunked = await answering(inPieces({}));
  try {
    for (const server of [announced, chunked]) {
      const out = await server.client.getRecords({ shardIterator: 'x', limit: 300 });
      t.is(out.records.length, 300);
      t.deepEqual(out.records.map((r) => Buffer.from(r.data).toString('hex')), records.map((r) => r.Data.toString('hex')));
      t.deepEqual(out.records.map((r) => r.sequenceNumber), records.map((r) => r.SequenceNumber));
      t.is(out.millisBehindLatest, 7);
    }
  } finally {
    await announced.close();
    await chunked.close();
  }
});

test('without an endpoint, calls go to the region\'s Kinesis endpoint', (t) => {
  const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
  for (const [region, endpoint] of [['eu-west-1', 'https://kinesis.eu-west-1.amazonaws.com'], ['cn-north-1', 'https://kinesis.cn-north-1.amazonaws.com.cn']]) {
    const client = new KinesisCborClient({ region, credentials });
    t.is(client.endpoint, endpoint);
    client.destroy();
  }
});
