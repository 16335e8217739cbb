/**
 * KPL de-aggregation. The Kinesis Producer Library packs many user records into one Kinesis
 * record: the magic bytes `F3 89 9A C2`, a protobuf `AggregatedRecord`, then the MD5 of that
 * protobuf (16 bytes). This decodes it by hand, with no copy of the user records' data:
 *
 * ```
 * message AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2; repeated Record records = 3; }
 * message Tag { required string key = 1; optional string value = 2; }
 * message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2; required bytes data = 3; repeated Tag tags = 4; }
 * ```
 */
import { createHash } from 'node:crypto';
import { ConnectorError } from '../core/errors.js';
import { ProtobufFormatError, ProtobufReader, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-reader.js';

/** The first bytes of every KPL aggregate. */
export const KPL_MAGIC: readonly number[] = [0xf3, 0x89, 0x9a, 0xc2];
const DIGEST_BYTES = 16;
const BODY_START = KPL_MAGIC.length;

/** One user record of an aggregate. */
export interface KplUserRecord {
  partitionKey: string;
  /** Its explicit hash key, when the producer gave one. */
  explicitHashKey: string | undefined;
  /** A view into the aggregate's bytes (not a copy). */
  data: Uint8Array;
  /** Its place in the aggregate, 0 .. n-1. */
  subSequenceNumber: number;
}

/** A Kinesis record that starts with the KPL magic but is not a valid aggregate (bad MD5, malformed protobuf). */
export class KplAggregateError extends ConnectorError {
  constructor(message: string) {
    super(message, { code: 'KPL_AGGREGATE_CORRUPT', retriable: false });
    this.name = 'KplAggregateError';
  }
}

/** True when `data` starts with the KPL magic: the one check a plain record costs. */
export function hasKplMagic(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0xf3 && data[1] === 0x89 && data[2] === 0x9a && data[3] === 0xc2;
}

/**
 * The user records of the aggregate `data` (which must start with the magic, see
 * {@link hasKplMagic}), in order. Throws a {@link KplAggregateError} saying what is wrong when the
 * MD5 does not match or the protobuf is malformed (positions are bytes of `data`).
 */
export function decodeKplAggregate(data: Uint8Array): KplUserRecord[] {
  const bodyEnd = data.length - DIGEST_BYTES;
  if (bodyEnd < BODY_START) throw new KplAggregateError(`${data.length} bytes: shorter than the magic and the MD5 trailer (20)`);
  checkDigest(data, bodyEnd);
  try {
    return decodeBody(data, bodyEnd);
  } catch (err) {
    if (err instanceof ProtobufFormatError) throw new KplAggregateError(`malformed protobuf: ${err.message}`);
    throw err;
  }
}

function checkDigest(data: Uint8Array, bodyEnd: number): void {
  const digest = createHash('md5').update(data.subarray(BODY_START, bodyEnd)).digest();
  const trailer = data.subarray(bodyEnd);
  for (let i = 0; i < DIGEST_BYTES; i++) {
    if (digest[i] !== trailer[i]) {
      throw new KplAggregateError(`MD5 mismatch: the body (${bodyEnd - BODY_START} bytes) hashes to ${digest.toString('hex')}, `
        + `the trailer says ${Buffer.from(trailer).toString('hex')}`);
    }
  }
}

function decodeBody(data: Uint8Array, bodyEnd: number): KplUserRecord[] {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const reader = new ProtobufReader(data, BODY_START, bodyEnd);
  const partitionKeys: string[] = [];
  const hashKeys: string[] = [];
  const records: number[] = []; // [start, end) of each Record, decoded once both tables are known
  while (!reader.done) {
    const at = reader.pos;
    const { field, wire } = reader.key();
    if (field >= 1 && field <= 3) {
      reader.expect(field, wire, WIRE_LENGTH_DELIMITED, at);
      const [start, end] = reader.delimited();
      if (field === 3) records.push(start, end);
      else (field === 1 ? partitionKeys : hashKeys).push(text.toString('utf8', start, end));
    } else reader.skip(wire, at);
  }
  const out = new Array<KplUserRecord>(records.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = decodeRecord(data, records[2 * i], records[2 * i + 1], i, partitionKeys, hashKeys);
  return out;
}

function decodeRecord(data: Uint8Array, start: number, end: number, sub: number, partitionKeys: string[], hashKeys: string[]): KplUserRecord {
  const reader = new ProtobufReader(data, start, end);
  let pk = -1, ehk = -1, dataStart = -1, dataEnd = -1;
  while (!reader.done) {
    const at = reader.pos;
    const { field, wire } = reader.key();
    if (field === 1 || field === 2) {
      reader.expect(field, wire, WIRE_VARINT, at);
      const index = reader.varint();
      const table = field === 1 ? partitionKeys : hashKeys;
      if (index >= table.length) reader.fail(`record ${sub}: ${field === 1 ? 'partition' : 'explicit hash'} key index ${index} out of a table of ${table.length}`, at);
      if (field === 1) pk = index;
      else ehk = index;
    } else if (field === 3) {
      reader.expect(field, wire, WIRE_LENGTH_DELIMITED, at);
      [dataStart, dataEnd] = reader.delimited();
    } else reader.skip(wire, at); // tags (4) and unknown fields
  }
  if (pk < 0) reader.fail(`record ${sub}: no partition_key_index`, start);
  if (dataStart < 0) reader.fail(`record ${sub}: no data`, start);
  return { partitionKey: partitionKeys[pk], explicitHashKey: ehk < 0 ? undefined : hashKeys[ehk], data: data.subarray(dataStart, dataEnd), subSequenceNumber: sub };
}
