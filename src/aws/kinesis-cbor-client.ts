/**
 * GetRecords in CBOR (`application/x-amz-cbor-1.1`, the Java SDK's default), the one Kinesis call
 * hot enough to be worth it: record data arrives as raw bytes instead of base64 in JSON (about a
 * quarter fewer bytes to read, no per-record base64 decoding). Signed with SigV4 by a signer made
 * for this one request shape (`sigv4-post.ts`, checked against the SDK's), over node:http(s) with a
 * keep-alive agent. Every other call stays on the SDK.
 */
import { request as httpRequest, Agent as HttpAgent, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Encoder } from 'cbor-x';
import { callError, readErrorAnswer, readGetRecordsAnswer, type AnswerContext, type CborGetRecordSpansOutput, type CborGetRecordsOutput } from './kinesis-cbor-answer.js';
import { recordsOfSpans } from '../core/record-spans.js';
import { PostSigner } from './sigv4-post.js';

export type { CborGetRecordSpansOutput, CborGetRecordsOutput, CborRecord } from './kinesis-cbor-answer.js';

export const CBOR_CONTENT_TYPE = 'application/x-amz-cbor-1.1';

export interface KinesisCborClientOptions {
  region: string;
  /** A Kinesis-compatible endpoint. @defaultValue `https://kinesis.<region>.amazonaws.com` (`.amazonaws.com.cn` in China's regions) */
  endpoint?: string;
  /** The credentials or their provider: `client.config.credentials` of a KinesisClient shares its chain and cache. */
  credentials: KinesisClient['config']['credentials'] | { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Longest wait for a connection, as the SDK handler's `connectionTimeout`. @defaultValue 5000 */
  connectionTimeoutMs?: number;
  /** Longest silence of a connection during a call, as the SDK handler's `requestTimeout`. @defaultValue 30000 */
  requestTimeoutMs?: number;
}

export interface CborGetRecordsInput {
  shardIterator: string;
  limit: number;
  /** Names the shard in error messages. */
  shardId?: string;
}

const encoder = new Encoder({ useRecords: false });

/** The same object on every call, so the signer keeps its canonical form. */
const GET_RECORDS_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': CBOR_CONTENT_TYPE, 'x-amz-target': 'Kinesis_20131202.GetRecords' });

export class KinesisCborClient {
  /** The endpoint calls go to, as used in error messages. */
  readonly endpoint: string;
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly signer: PostSigner;
  /** Everything a call's request options share (built once: a URL per call costs a conversion). */
  private readonly requestOptions: RequestOptions;
  private readonly connectionTimeoutMs: number;
  private readonly requestTimeoutMs: number;

  constructor(options: KinesisCborClientOptions) {
    this.url = new URL(options.endpoint ?? `https://kinesis.${options.region}.amazonaws.com${options.region.startsWith('cn-') ? '.cn' : ''}`);
    this.endpoint = this.url.origin;
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    const path = this.url.pathname || '/';
    this.signer = new PostSigner({ region: options.region, service: 'kinesis', host: this.url.host, path }, options.credentials);
    this.requestOptions = { protocol: this.url.protocol, hostname: this.url.hostname, port: this.url.port || undefined, method: 'POST', path, agent: this.agent };
    this.connectionTimeoutMs = options.connectionTimeoutMs ?? 5000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /**
   * One GetRecords call. Rejects with the service's error named as the SDK names it
   * (`ExpiredIteratorException`, …, with `$metadata.httpStatusCode` and `$fault`), a network
   * error with its `code` (`ECONNREFUSED`, …), a `TimeoutError`, or an `UnreadableAnswerError`
   * for an answer that is not Kinesis' CBOR; each message names GetRecords, the shard and the endpoint.
   */
  async getRecords(input: CborGetRecordsInput, signal?: AbortSignal): Promise<CborGetRecordsOutput> {
    const out = await this.getRecordSpans(input, signal);
    return { ...out, records: recordsOfSpans(out.records) };
  }

  /**
   * GetRecords with the records as spans of the answer's bytes (`RecordSpans`): no object, view or
   * string per record. What the shard reader uses; it fails as `getRecords` does.
   */
  async getRecordSpans(input: CborGetRecordsInput, signal?: AbortSignal): Promise<CborGetRecordSpansOutput> {
    const what = `GetRecords${input.shardId ? ` of ${input.shardId}` : ''} at ${this.endpoint}`;
    const body = encoder.encode({ ShardIterator: input.shardIterator, Limit: input.limit });
    const headers = await this.signer.sign(GET_RECORDS_HEADERS, body);
    const { res, bytes } = await this.send(headers, body, what, signal);
    const context: AnswerContext = {
      what, status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '',
      requestId: header(res, 'x-amzn-requestid'), errorType: header(res, 'x-amzn-errortype'),
    };
    if (context.status >= 200 && context.status < 300) return readGetRecordsAnswer(bytes, context);
    throw readErrorAnswer(bytes, context);
  }

  /** Closes the idle keep-alive connections. */
  destroy(): void {
    this.agent.destroy();
  }

  private send(headers: Record<string, string>, body: Uint8Array, what: string, signal?: AbortSignal): Promise<{ res: IncomingMessage; bytes: Uint8Array }> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(networkError(abortError(), what));
      const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request({ ...this.requestOptions, headers });
      let settled = false;
      // The caller's signal, followed by hand (http.request's `signal` option costs some 40 µs of CPU
      // a call): the call fails as aborted whether its answer had begun or not.
      const onAbort = () => {
        fail(abortError());
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      function fail(err: Error) {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(networkError(err, what));
      }
      req.on('error', fail);
      this.applyTimeouts(req, what);
      req.on('response', (res) => {
        const body = new AnswerBody(Number(res.headers['content-length']));
        res.on('data', (chunk: Buffer) => body.add(chunk));
        res.on('error', fail);
        // A connection closed before the whole answer came (a body shorter than its Content-Length).
        res.on('close', () => {
          if (!res.complete) fail(Object.assign(new Error(`the connection closed after ${body.length} bytes of the answer (HTTP ${res.statusCode})`), { code: 'ECONNRESET' }));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve({ res, bytes: body.bytes() });
        });
      });
      req.end(body);
    });
  }

  /** A connection not made within connectionTimeoutMs, or a call silent for requestTimeoutMs, fails with a TimeoutError. */
  private applyTimeouts(req: ClientRequest, what: string): void {
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => req.destroy(timeoutError(`${what}: no connection within ${this.connectionTimeoutMs} ms`)), this.connectionTimeoutMs);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    req.setTimeout(this.requestTimeoutMs, () => req.destroy(timeoutError(`${what}: no answer for ${this.requestTimeoutMs} ms`)));
  }
}

function header(res: IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The answer's bytes in one buffer that owns its memory (outside Node's shared pool: records are
 * spans of it, see kinesis-cbor-scan.ts). With a Content-Length (Kinesis sends one), the buffer
 * is allocated at once and each chunk copied in as it arrives, so a 10 MB answer never holds its
 * chunks and their copy at once; without one, the chunks are kept and copied once at the end.
 */
class AnswerBody {
  length = 0;
  private out: Buffer | undefined;
  private chunks: Buffer[] = [];

  constructor(announced: number) {
    // A GetRecords answer is at most 10 MB; a larger announcement is not trusted with memory up front.
    if (Number.isSafeInteger(announced) && announced > 0 && announced <= 64 * 1024 * 1024) this.out = Buffer.allocUnsafeSlow(announced);
  }

  /** Node's HTTP parser never passes on more than the Content-Length, so `out` always has room. */
  add(chunk: Buffer): void {
    if (this.out) this.out.set(chunk, this.length);
    else this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }

  bytes(): Uint8Array {
    if (this.out) return this.length === this.out.byteLength ? this.out : this.out.subarray(0, this.length);
    if (this.chunks.length === 1) return this.chunks[0];
    const out = Buffer.allocUnsafeSlow(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }
}

/** What a request ended by its signal fails with, as Node names it. */
function abortError(): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

function timeoutError(message: string): Error {
  return callError('TimeoutError', message, { code: 'ETIMEDOUT' });
}

/** A failure to connect or to read the answer: the message names the call; `name` and `code` stay (isRetriable reads them). */
function networkError(err: Error, what: string): Error {
  if (err.name === 'TimeoutError' || err.name === 'UnreadableAnswerError') return err;
  const code = (err as { code?: unknown }).code;
  const wrapped = new Error(`${what} failed: ${err.message}`, { cause: err }) as Error & { code?: unknown };
  wrapped.name = err.name;
  if (code !== undefined) wrapped.code = code;
  return wrapped;
}
