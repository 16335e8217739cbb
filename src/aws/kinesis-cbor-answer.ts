/**
 * Kinesis' answers in CBOR (`application/x-amz-cbor-1.1`) read into plain values: a GetRecords
 * answer into record spans of the answer's bytes (`kinesis-cbor-scan.ts`; an answer in an encoding
 * that scan does not read is decoded in full here), an error answer into an Error shaped like the
 * SDK's (`name`, `$metadata`, `$fault`) so that `isRetriable` judges both alike.
 *
 * What cbor-x gives for a byte string (checked in cbor-x 1.6's `decode.js`, `readBin`): with the
 * default `copyBuffers: false` it is `src.subarray(start, end)`, a view into the decoded buffer and
 * of the same class (a Buffer when the source is one). `decodeGetRecordsAnswer` gives such views;
 * `readGetRecordsAnswer`, when the scan gave up, copies them once into spans of a buffer of their
 * own. Scanned spans point into the answer itself, which stays alive until every record of it has
 * been packed into a window.
 */
import { Decoder } from 'cbor-x';
import { showValue } from '../core/errors.js';
import type { RecordSpans } from '../core/records.js';
import { spansOfRecords } from '../core/record-spans.js';
import { epochMs, scanGetRecordsAnswer } from './kinesis-cbor-scan.js';

/** One record of a GetRecords answer. */
export interface CborRecord {
  /** The record's bytes: a view into the answer (see the file's comment). */
  data: Uint8Array;
  sequenceNumber: string;
  partitionKey: string;
  /** ApproximateArrivalTimestamp, ms since the epoch (NaN when the answer has none). */
  arrival: number;
}

export interface CborGetRecordsOutput {
  records: CborRecord[];
  nextShardIterator: string | undefined;
  millisBehindLatest: number;
}

/** A GetRecords answer with its records as spans of the answer's bytes (no object per record). */
export interface CborGetRecordSpansOutput {
  records: RecordSpans;
  nextShardIterator: string | undefined;
  millisBehindLatest: number;
}

/** What the answer is, for error messages: `GetRecords of shardId-… at https://…`. */
export interface AnswerContext {
  what: string;
  status: number;
  contentType: string;
  requestId?: string;
  /** The `x-amzn-ErrorType` header, when the answer has one. */
  errorType?: string;
}

/** An error of a Kinesis call in the shape of the SDK's service errors (see `isRetriable`). */
export type KinesisCallError = Error & { $metadata: { httpStatusCode?: number; requestId?: string }; $fault: 'client' | 'server'; code?: string };

const decoder = new Decoder({ mapsAsObjects: true, useRecords: false });

/** An error named `name` with the SDK's `$metadata` and `$fault` for `status`. */
export function callError(name: string, message: string, context: { status?: number; requestId?: string; code?: string; cause?: unknown }): KinesisCallError {
  const err = new Error(message, context.cause === undefined ? undefined : { cause: context.cause }) as KinesisCallError;
  err.name = name;
  err.$metadata = { httpStatusCode: context.status, requestId: context.requestId };
  err.$fault = context.status !== undefined && context.status >= 500 ? 'server' : 'client';
  if (context.code !== undefined) err.code = context.code;
  return err;
}

/**
 * The answer's bytes are not what Kinesis sends (an HTML page from a proxy, a truncated body, a
 * value of the wrong shape): retriable when the status is (5xx, 429), like any SDK error.
 */
function unreadable(context: AnswerContext, body: Uint8Array, why: string): KinesisCallError {
  const text = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 120)).toString('latin1').replace(/[^\x20-\x7e]+/g, ' ').trim();
  return callError('UnreadableAnswerError',
    `${context.what} answered HTTP ${context.status} (${context.contentType || 'no content-type'}, ${body.byteLength} bytes) that is not a Kinesis answer: ${why}${text ? `; it starts ${showValue(text)}` : ''}`,
    { status: context.status, requestId: context.requestId });
}

function decodeCbor(body: Uint8Array, context: AnswerContext): unknown {
  try {
    return decoder.decode(body);
  } catch (err) {
    throw unreadable(context, body, `CBOR does not decode (${(err as Error).message})`);
  }
}

/**
 * ApproximateArrivalTimestamp as ms since the epoch. It may come as a number of seconds (what
 * kinesalite sends, as in JSON), as CBOR tag 1 (which cbor-x turns into a Date, reading its number
 * as seconds) or as a number of ms (the Java SDK writes AWS CBOR timestamps in ms, also under tag 1:
 * such a Date lands past the year 5000 and is read back as ms).
 */
export function arrivalMs(value: unknown): number {
  if (value instanceof Date) {
    const t = value.getTime();
    return Math.abs(t) >= 1e14 ? Math.round(t / 1000) : t;
  }
  return typeof value === 'number' && Number.isFinite(value) ? epochMs(value) : NaN;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * A record's Data: a CBOR byte string, as Kinesis sends it; a text string is read as base64, as
 * kinesalite (run on its own, not through `startLocalKinesis`) sends it.
 */
function recordData(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value === undefined) return new Uint8Array(0);
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  return undefined;
}

function readRecord(value: unknown, index: number, body: Uint8Array, context: AnswerContext): CborRecord {
  const bad = (field: string, v: unknown) => unreadable(context, body, `record ${index}'s ${field} is ${showValue(v instanceof Uint8Array ? `${v.byteLength} bytes` : v)}`);
  if (!isMap(value)) throw bad('entry', value);
  const data = recordData(value.Data);
  if (!data) throw bad('Data', value.Data);
  const sequenceNumber = value.SequenceNumber;
  if (typeof sequenceNumber !== 'string') throw bad('SequenceNumber', sequenceNumber);
  const partitionKey = value.PartitionKey ?? '';
  if (typeof partitionKey !== 'string') throw bad('PartitionKey', partitionKey);
  return { data, sequenceNumber, partitionKey, arrival: arrivalMs(value.ApproximateArrivalTimestamp) };
}

/**
 * A 2xx GetRecords answer, its records as spans of `body`: scanned where it is in the plain
 * encoding Kinesis sends, else decoded in full (and its records copied into a buffer of their own).
 * Sequence numbers are checked by the reader, as for the SDK's answers.
 */
export function readGetRecordsAnswer(body: Uint8Array, context: AnswerContext): CborGetRecordSpansOutput {
  const scanned = scanGetRecordsAnswer(body);
  if (scanned) return scanned;
  const decoded = decodeGetRecordsAnswer(body, context);
  return { ...decoded, records: spansOfRecords(decoded.records) };
}

/** A 2xx GetRecords answer decoded in full: records whose `data` is a view into `body`. */
export function decodeGetRecordsAnswer(body: Uint8Array, context: AnswerContext): CborGetRecordsOutput {
  const value = decodeCbor(body, context);
  if (!isMap(value)) throw unreadable(context, body, `it decodes to ${showValue(typeof value)}, not a map`);
  const records = value.Records ?? [];
  if (!Array.isArray(records)) throw unreadable(context, body, 'its Records is not an array');
  const next = value.NextShardIterator ?? undefined;
  if (next !== undefined && typeof next !== 'string') throw unreadable(context, body, `its NextShardIterator is ${showValue(next)}`);
  const behind = value.MillisBehindLatest ?? 0;
  if (typeof behind !== 'number') throw unreadable(context, body, `its MillisBehindLatest is ${showValue(behind)}`);
  return { records: records.map((r, i) => readRecord(r, i, body, context)), nextShardIterator: next, millisBehindLatest: behind };
}

/** `com.amazonaws.kinesis#ExpiredIteratorException` or `ExpiredIteratorException:http://…` → `ExpiredIteratorException`. */
function shortType(type: string): string {
  return type.slice(type.lastIndexOf('#') + 1).split(':')[0].trim();
}

function errorBody(body: Uint8Array, context: AnswerContext): unknown {
  if (body.byteLength === 0) return {};
  if (/json/i.test(context.contentType)) {
    try {
      return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    } catch {
      throw unreadable(context, body, 'its JSON does not parse');
    }
  }
  if (/cbor/i.test(context.contentType)) return decodeCbor(body, context);
  return undefined;
}

/**
 * The Error of a non-2xx answer, named by its `__type` (or `x-amzn-ErrorType` header) as the SDK
 * names it: `ExpiredIteratorException`, `ProvisionedThroughputExceededException`, …
 */
export function readErrorAnswer(body: Uint8Array, context: AnswerContext): KinesisCallError {
  let value: unknown;
  try {
    value = errorBody(body, context);
  } catch (err) {
    return err as KinesisCallError;
  }
  const fields = isMap(value) ? value : {};
  const type = typeof fields.__type === 'string' ? fields.__type : context.errorType;
  if (type === undefined || shortType(type) === '') return unreadable(context, body, 'it names no error type');
  const message = fields.message ?? fields.Message;
  return callError(shortType(type), `${context.what} failed: ${typeof message === 'string' ? message : shortType(type)} (HTTP ${context.status})`,
    { status: context.status, requestId: context.requestId });
}
